/**
 * The cost model (src/server/query-cost.ts) against hand-computed prices, and the dashboard's own
 * queries (web/js/views/*.js, copied here as the views build them at their largest) under the
 * default cap, so pricing images and analytics does not lock out our own front end.
 */
import crypto from 'node:crypto';
import { parse, type GraphQLSchema } from 'graphql';
import { buildApiSchema } from '../../src/resolvers';
import { queryCost } from '../../src/server/limits';
import { DEFAULT_LIMITS } from '../../src/server/limit-defaults';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildApiSchema();
});

const cost = (query: string, variables: Record<string, unknown> = {}) => queryCost(schema, parse(query), variables);
const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());

describe('prices', () => {
  test('image fields cost 64 each, analytics 100 per pass, pages multiply', () => {
    expect(cost('{ prediction(id: "x") { labelPng } }')).toBe(1 + 64);
    expect(cost('{ prediction(id: "x") { samplePngs } }')).toBe(1 + 100 * 64);
    expect(cost('{ slice(id: "x") { image gt } }')).toBe(1 + 128);
    expect(cost('{ evaluation(id: "x") { qcCurve(structure: LV, measure: MI) { auc reviewAt } } }')).toBe(
      1 + 100 + 1 + 100,
    );
    expect(cost('{ evaluation(id: "x") { correlations { n } } }')).toBe(1 + 1200 + 1);
    expect(cost('{ evaluation(id: "x") { predictions(first: 20) { nodes { id } } } }')).toBe(1 + 1 + 100 + 20 * 2);
    expect(cost('query($ids: [ID!]!) { compare(evaluationIds: $ids) { mi } }', { ids: ids(3) })).toBe(
      1 + 3 * (500 + 1),
    );
    expect(cost('{ distortionSweep(runId: "x") { level } }')).toBe(1 + 130 * (100 + 1));
    expect(cost('{ lineage(predictionId: "x") { shard links { status } } }')).toBe(100 + 1 + 1 + 1);
  });
});

describe('the dashboard stays under the default cap', () => {
  const EVALUATION_FIELDS =
    'id method split distortionKind distortionLevel samples trainingRunId createdAt dataset { name site }';
  const CURVE = 'auc n poor reviewAt(target: $target) points { flagged remaining }';
  const STRUCTURES = ['LV', 'MYO', 'RV'];
  const RUN_FIELDS =
    'id kind method status progress stage etaSeconds createdBy createdAt startedAt finishedAt error backend parentRunId datasetId';
  // The compare view's QC request for `chosen` evaluations: 6 aliases each, so the alias cap (40) allows 6.
  const qc = (chosen: number) => {
    const vars = Array.from({ length: chosen }, (_, i) => `$e${i}: ID!`).join(' ');
    const body = Array.from(
      { length: chosen },
      (_, i) =>
        `e${i}: evaluation(id: $e${i}) { id ${STRUCTURES.map(
          (s) => `
      ${s}: qcCurve(structure: ${s}, measure: $measure, scope: $scope) { ${CURVE} }
      ${s}b: baselines(structure: ${s}, scope: $scope) { random { ${CURVE} } slicePosition { ${CURVE} } }`,
        ).join('')} }`,
    ).join('\n');
    return `query($scope: SliceScope, $measure: UncertaintyMeasure!, $target: Float! ${vars}) { ${body} }`;
  };
  const queries: Array<[string, string, Record<string, unknown>]> = [
    [
      'compare: table of 50',
      `query($ids: [ID!]!, $scope: SliceScope) { compare(evaluationIds: $ids, scope: $scope) {
      evaluationId method site distortionKind distortionLevel entropy mi
      structures { structure n kept undefinedCount poorCount dice assd hd hd95 diceWithin assdWithin }
      calibration { bins ece nll brier points { binCentre confidence accuracy count } } } }`,
      { ids: ids(50) },
    ],
    [
      'compare: QC curves of 6',
      qc(6),
      { measure: 'MI', target: 0.05, ...Object.fromEntries(ids(6).map((id, i) => [`e${i}`, id])) },
    ],
    ['evaluations', `{ evaluations { ${EVALUATION_FIELDS} } }`, {}],
    [
      'shift',
      `{ evaluations { ${EVALUATION_FIELDS} run { parentRunId } } runs(first: 500, filter: { kind: SWEEP }) { nodes { id } } }`,
      {},
    ],
    [
      'shift: compare',
      `query($ids: [ID!]!, $scope: SliceScope) { compare(evaluationIds: $ids, scope: $scope) {
      evaluationId method site distortionKind distortionLevel
      structures { structure n dice assd hd poorCount } calibration { ece nll brier } } }`,
      { ids: ids(50) },
    ],
    [
      'distortions: sweeps',
      '{ runs(first: 100, filter: { kind: SWEEP }) { nodes { id status method createdAt config } } }',
      {},
    ],
    [
      'distortions',
      `query($id: ID!, $scope: SliceScope) { distortionSweep(runId: $id, scope: $scope) {
      evaluationId kind level structure metric distribution { n mean min q1 median q3 max } } }`,
      { id: ids(1)[0] },
    ],
    ['runs: datasets', '{ datasets(first: 500) { nodes { id name site } } }', {}],
    [
      'runs',
      `query($filter: RunFilter) { runs(first: 200, filter: $filter) { totalCount nodes { ${RUN_FIELDS} } } }`,
      {},
    ],
    [
      'slices: page',
      `query($id: ID!, $scope: SliceScope, $sort: UncertaintyMeasure, $after: String, $first: Int!) { evaluation(id: $id) {
      predictions(scope: $scope, sortBy: $sort, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        nodes { id slice { id subjectId sliceIndex sliceCount phase position } image { entropy mi } metrics { structure poor } } } } }`,
      { id: ids(1)[0], first: 50 },
    ],
    [
      'slices: one slice',
      `query($id: ID!) { prediction(id: $id) {
      id labelPng entropyPng miPng samplePngs
      slice { id subjectId phase sliceIndex sliceCount position spacingXMm spacingYMm rows cols contentHash image gt }
      metrics { structure status dice assdMm hdMm hd95Mm diceWithin assdWithinMm poor }
      image { nll brier entropy mi }
      provenance { datasetId datasetHash sliceId sliceHash weightsSha256 checkpointIds trainingRunId evaluationRunId config seed codeVersion backend actor createdAt } } }`,
      { id: ids(1)[0] },
    ],
    [
      'study: review at 5 % of one evaluation',
      `query($id: ID!, $scope: SliceScope, $measure: UncertaintyMeasure!) { evaluation(id: $id) { id ${STRUCTURES.map(
        (s) => `${s}: qcCurve(structure: ${s}, measure: $measure, scope: $scope) { reviewAt(target: 0.05) n poor }
        ${s}b: baselines(structure: ${s}, scope: $scope) { random { reviewAt(target: 0.05) } slicePosition { reviewAt(target: 0.05) } }`,
      ).join(' ')} } }`,
      { id: ids(1)[0], measure: 'ASSD_WITHIN' },
    ],
    [
      'study: compare',
      `query($ids: [ID!]!, $scope: SliceScope) { compare(evaluationIds: $ids, scope: $scope) {
      evaluationId trainingRunId site entropy mi structures { structure n dice assd } calibration { ece nll brier } } }`,
      { ids: ids(50) },
    ],
    [
      'lineage',
      `query($id: ID!) { lineage(predictionId: $id) {
      predictionId shard createdAt scope evaluation { id label }
      slice { id contentHash subject phase sliceIndex position } dataset { id name site source contentHash createdAt }
      checkpoints { id member epoch weightsSha256 backend createdAt }
      training { id kind method config seed codeVersion backend actor status createdAt startedAt finishedAt }
      evaluationRun { id kind method config seed codeVersion backend actor status createdAt startedAt finishedAt }
      links { name from to status detail auditSeq reason } } }`,
      { id: ids(1)[0] },
    ],
  ];
  test.each(queries)('%s', (_name, query, variables) => {
    expect(cost(query, variables)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxComplexity);
  });
});
