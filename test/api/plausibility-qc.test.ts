/**
 * Anatomical plausibility through GraphQL (docs/design.md "Anatomical plausibility"): on a
 * synthetic store whose LV is poor exactly where its mean segmentation falls apart, the combined
 * score fitted on one evaluation flags every poor slice of another before any good one (the ideal
 * curve, worked out by hand), while the uncertainty-alone curve equals a brute-force QC curve of
 * the stored entropies; the summary counts equal those set; and a fit across models, an unknown
 * id and rows stored before plausibility are refused. plausibilityQcSummary gives per structure
 * plausibilityQc's own figures and their means, and its intervals (LV alone) equal the engine's
 * subjectBootstrap, subjects by id and the seed given, of figures computed here on each resample:
 * the brute-force curve of the stored entropies, the ideal curve's (P/N)²/2 for the fitted score
 * (held fixed: it ranks every poor row first on any resample) and their paired difference.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import crypto from 'node:crypto';
import { createStore, type Store } from '../../src/db/client';
import { buildApiSchema } from '../../src/resolvers';
import type { LaunchError } from '../../src/services/errors';
import { subjectBootstrap } from '../../src/engine/statistics/bootstrap';
import { PLAUSIBILITY_RESAMPLES } from '../../src/services/plausibility-qc';
import { bypassed } from '../security/integrity-seed';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticResults, type SyntheticStore } from '../support/synthetic-results';

/** Brute-force QC curve: flag in descending score, equal scores together; trapezoid area. */
function bruteCurve(cases: Array<{ score: number; poor: boolean }>) {
  const n = cases.length;
  const scores = [...new Set(cases.map((c) => c.score))].sort((a, b) => b - a);
  let remaining = cases.filter((c) => c.poor).length;
  let flagged = 0;
  const points: Array<[number, number]> = [[0, remaining / n]];
  for (const s of scores) {
    const group = cases.filter((c) => c.score === s);
    flagged += group.length;
    remaining -= group.filter((c) => c.poor).length;
    points.push([flagged / n, remaining / n]);
  }
  let auc = 0;
  for (let i = 1; i < points.length; i++)
    auc += ((points[i][0] - points[i - 1][0]) * (points[i][1] + points[i - 1][1])) / 2;
  return { auc, points };
}

describe('plausibility and the combined QC score', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let schema: GraphQLSchema;
  let seeded: SyntheticStore;
  let bare: SyntheticStore;

  const gql = async (source: string, variableValues: Record<string, unknown> = {}) =>
    graphql({ schema, source, variableValues, contextValue: { store, actor: 'test', role: 'ANALYST' } }) as Promise<{
      data?: any;
      errors?: any[];
    }>;

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    seeded = await seedSyntheticResults(store, { slices: 80, evaluations: 2, sliceCount: 10 });
    bare = await seedSyntheticResults(store, { slices: 20, evaluations: 1, sliceCount: 10, seed: 0.25 });
    // Plausibility as a shard would store it, set behind the triggers (these rows never came from a shard):
    // LV falls apart on every predictionId whose md5 starts with 0-4 (≈ 5/16), and exactly those are poor;
    // MYO rings with their cavity (1 hole) but 3 in 8 by id; the LV open on ids ending in 0-3; RV beside LV on 'a'-'b'.
    for (const evaluationId of seeded.evaluationIds) {
      await bypassed(
        db.url,
        `UPDATE "StructureMetric" SET pixels = 100, holes = CASE WHEN structure = 'MYO' AND substr(md5("predictionId"::text), 2, 1) NOT IN ('0', '1', '2', '3', '4', '5') THEN 1 ELSE 0 END,
           components = CASE WHEN structure = 'LV' AND substr(md5("predictionId"::text), 1, 1) IN ('0', '1', '2', '3', '4') THEN 2 ELSE 1 END,
           poor = CASE WHEN structure = 'LV' THEN substr(md5("predictionId"::text), 1, 1) IN ('0', '1', '2', '3', '4') ELSE poor END
         WHERE "evaluationId" = $1`,
        [evaluationId],
      );
      await bypassed(
        db.url,
        `UPDATE "ImageMetric" SET "lvExposed" = CASE WHEN right("predictionId"::text, 1) IN ('0', '1', '2', '3') THEN 3 ELSE 0 END,
           "rvLvContact" = CASE WHEN right("predictionId"::text, 1) IN ('a', 'b') THEN 2 ELSE 0 END
         WHERE "evaluationId" = $1`,
        [evaluationId],
      );
    }
    schema = await buildApiSchema();
  }, 60000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  const QC = `query($id: ID!, $fit: ID!, $measure: UncertaintyMeasure!) { evaluation(id: $id) {
    plausibilityQc(fitEvaluationId: $fit, structure: LV, measure: $measure, ridge: 0.01, maxPoints: 100000) {
      fitRows fitPoor ridge coefficients { feature coefficient sd }
      combined { auc n poor reviewAt(target: 0.05) points { flagged remaining } }
      uncertainty { auc n poor reviewAt(target: 0.05) points { flagged remaining } } } } }`;

  test('the fitted score flags every poor LV first; the uncertainty-alone curve is the brute-force one', async () => {
    const [fit, judged] = seeded.evaluationIds;
    const res = await gql(QC, { id: judged, fit, measure: 'ENTROPY' });
    expect(res.errors).toBeUndefined();
    const q = res.data.evaluation.plausibilityQc;
    const rows = await store.$queryRaw<Array<{ entropy: number; poor: boolean }>>`
      SELECT im.entropy, sm.poor FROM "StructureMetric" sm JOIN "ImageMetric" im ON im."predictionId" = sm."predictionId"
      WHERE sm."evaluationId" = ${judged}::uuid AND sm.structure = 'LV'`;
    const n = rows.length;
    const poor = rows.filter((r) => r.poor).length;
    expect(n).toBe(80);
    expect(poor).toBeGreaterThan(5);
    expect(poor).toBeLessThan(75);
    // Ideal: (0, P/N) → (P/N, 0) → (1, 0), one poor slice a step; area (P/N)² / 2; at 5 % (4 of
    // 80 poor may stay) the review fraction is (P − 4) / N.
    expect(q.combined).toMatchObject({ n, poor });
    expect(q.combined.auc).toBeCloseTo((poor / n) ** 2 / 2, 12);
    expect(q.combined.reviewAt).toBeCloseTo((poor - 4) / n, 12);
    const brute = bruteCurve(rows.map((r) => ({ score: r.entropy, poor: r.poor })));
    expect(q.uncertainty.auc).toBeCloseTo(brute.auc, 12);
    expect(q.uncertainty.points.map((p: any) => [p.flagged, p.remaining])).toEqual(brute.points);
    // The fit: 80 LV rows of the other evaluation; the extra-component feature carries it, and the
    // features constant there (holes of LV, area jump) get 0.
    expect(q.fitRows).toBe(80);
    const coefficient = (f: string) => q.coefficients.find((c: any) => c.feature === f);
    expect(coefficient('extra').coefficient).toBeGreaterThan(2);
    expect(coefficient('holes')).toMatchObject({ coefficient: 0, sd: 0 });
    expect(coefficient('jump')).toMatchObject({ coefficient: 0, sd: 0 });
  });

  const PAIRED =
    'uncertainty combined difference uncertaintyCi95 { low high } combinedCi95 { low high } differenceCi95 { low high }';
  const SUMMARY = `query($id: ID!, $fit: ID!, $structures: [Structure!], $seed: Int) { evaluation(id: $id) {
    plausibilityQcSummary(fitEvaluationId: $fit, measure: ENTROPY, structures: $structures, ridge: 0.01, seed: $seed) {
      subjects unfit { structure reason } structures { structure n poor auc { ${PAIRED} } reviewAt { ${PAIRED} } }
      auc { ${PAIRED} } reviewAt { ${PAIRED} } } } }`;

  test("the summary: plausibilityQc's figures per structure, their means, paired differences", async () => {
    const [fit, judged] = seeded.evaluationIds;
    const res = await gql(SUMMARY, { id: judged, fit, seed: 3 });
    expect(res.errors).toBeUndefined();
    const q = res.data.evaluation.plausibilityQcSummary;
    expect(q.subjects).toBe(8);
    expect(q.unfit).toEqual([]);
    expect(q.structures.map((s: any) => s.structure)).toEqual(['LV', 'MYO', 'RV']);
    for (const s of q.structures) {
      const one = await gql(
        `query($id: ID!, $fit: ID!) { evaluation(id: $id) { plausibilityQc(fitEvaluationId: $fit, structure: ${s.structure}, measure: ENTROPY, ridge: 0.01, maxPoints: 2) {
          combined { auc n poor reviewAt(target: 0.05) } uncertainty { auc reviewAt(target: 0.05) } } } }`,
        { id: judged, fit },
      );
      const p = one.data.evaluation.plausibilityQc;
      expect([s.n, s.poor]).toEqual([p.combined.n, p.combined.poor]);
      expect([s.auc.uncertainty, s.auc.combined]).toEqual([p.uncertainty.auc, p.combined.auc]);
      expect([s.reviewAt.uncertainty, s.reviewAt.combined]).toEqual([p.uncertainty.reviewAt, p.combined.reviewAt]);
      expect(s.auc.difference).toBeCloseTo(p.combined.auc - p.uncertainty.auc, 14);
      for (const f of [s.auc, s.reviewAt])
        for (const side of ['uncertainty', 'combined', 'difference'])
          expect(f[`${side}Ci95`].low).toBeLessThanOrEqual(f[`${side}Ci95`].high);
    }
    const mean = (f: (s: any) => number) => q.structures.reduce((a: number, s: any) => a + f(s), 0) / 3;
    expect(q.auc.uncertainty).toBeCloseTo(
      mean((s) => s.auc.uncertainty),
      14,
    );
    expect(q.auc.combined).toBeCloseTo(
      mean((s) => s.auc.combined),
      14,
    );
    expect(q.reviewAt.difference).toBeCloseTo(
      mean((s) => s.reviewAt.combined - s.reviewAt.uncertainty),
      14,
    );
  });

  test('the summary of LV: every interval is the subject bootstrap of figures computed by hand per resample', async () => {
    const [fit, judged] = seeded.evaluationIds;
    const seed = 11;
    const res = await gql(SUMMARY, { id: judged, fit, seed, structures: ['LV'] });
    expect(res.errors).toBeUndefined();
    const q = res.data.evaluation.plausibilityQcSummary;
    expect(q.structures.map((s: any) => s.structure)).toEqual(['LV']);
    // The mean over one structure is that structure's figure.
    expect(q.auc).toEqual(q.structures[0].auc);
    expect(q.reviewAt).toEqual(q.structures[0].reviewAt);
    const rows = await store.$queryRaw<Array<{ subjectId: string; entropy: number; poor: boolean }>>`
      SELECT s."subjectId"::text AS "subjectId", im.entropy, sm.poor FROM "StructureMetric" sm
      JOIN "ImageMetric" im ON im."predictionId" = sm."predictionId"
      JOIN "Prediction" p ON p.id = sm."predictionId" JOIN "Slice" s ON s.id = p."sliceId"
      WHERE sm."evaluationId" = ${judged}::uuid AND sm.structure = 'LV'`;
    const ids = [...new Set(rows.map((r) => r.subjectId))].sort();
    const groups = ids.map((id) => rows.filter((r) => r.subjectId === id));
    type R = (typeof rows)[number];
    const alone = (c: readonly R[]) => bruteCurve(c.map((r) => ({ score: r.entropy, poor: r.poor })));
    const ideal = (c: readonly R[]) => (c.filter((r) => r.poor).length / c.length) ** 2 / 2;
    const review = (points: Array<[number, number]>) => points.find(([, remaining]) => remaining <= 0.05 + 1e-9)![0];
    const interval = (statistic: (c: readonly R[]) => number) => {
      const b = subjectBootstrap(groups, statistic, { seed, resamples: PLAUSIBILITY_RESAMPLES });
      return { low: b.interval![0], high: b.interval![1] };
    };
    const expectInterval = (got: { low: number; high: number }, want: { low: number; high: number }) => {
      expect(got.low).toBeCloseTo(want.low, 12);
      expect(got.high).toBeCloseTo(want.high, 12);
    };
    const lv = q.structures[0];
    expect(lv.auc.combined).toBeCloseTo(ideal(rows), 12);
    expectInterval(
      lv.auc.uncertaintyCi95,
      interval((c) => alone(c).auc),
    );
    expectInterval(
      lv.reviewAt.uncertaintyCi95,
      interval((c) => review(alone(c).points)),
    );
    expectInterval(lv.auc.combinedCi95, interval(ideal));
    expectInterval(
      lv.auc.differenceCi95,
      interval((c) => ideal(c) - alone(c).auc),
    );
    // The fitted score beats entropy here on every resample: the difference's interval lies below 0.
    expect(lv.auc.differenceCi95.high).toBeLessThan(0);
  });

  test('the summary counts the breaks as set', async () => {
    const [, judged] = seeded.evaluationIds;
    const res = await gql(
      `query($id: ID!) { evaluation(id: $id) { plausibility { slices unavailable withLv myoOpen rvLvContact structures { structure present fragmented wrongHoles } } } }`,
      { id: judged },
    );
    expect(res.errors).toBeUndefined();
    const ids = (await store.prediction.findMany({ where: { evaluationId: judged }, select: { id: true } })).map(
      (p) => p.id,
    );
    const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');
    const count = (f: (id: string) => boolean) => ids.filter(f).length;
    expect(res.data.evaluation.plausibility).toEqual({
      slices: 80,
      unavailable: 0,
      withLv: 80,
      myoOpen: count((id) => '0123'.includes(id.slice(-1))),
      rvLvContact: count((id) => 'ab'.includes(id.slice(-1))),
      structures: [
        { structure: 'LV', present: 80, fragmented: count((id) => '01234'.includes(md5(id)[0])), wrongHoles: 0 },
        { structure: 'MYO', present: 80, fragmented: 0, wrongHoles: count((id) => '012345'.includes(md5(id)[1])) },
        { structure: 'RV', present: 80, fragmented: 0, wrongHoles: 0 },
      ],
    });
  });

  test('a fit on another model, an unknown id and rows stored before plausibility are refused', async () => {
    const [, judged] = seeded.evaluationIds;
    // The typed error the API's error formatter maps onto extensions.code (src/resolvers/errors.ts).
    const code = (r: { errors?: any[] }) => (r.errors?.[0].originalError as LaunchError | undefined)?.code;
    const other = await gql(QC, { id: judged, fit: bare.evaluationIds[0], measure: 'MI' });
    expect(code(other)).toBe('BAD_USER_INPUT');
    expect(other.errors?.[0].message).toMatch(/another trained model/);
    const unknown = await gql(QC, { id: judged, fit: crypto.randomUUID(), measure: 'MI' });
    expect(code(unknown)).toBe('NOT_FOUND');
    const old = await gql(QC, { id: bare.evaluationIds[0], fit: bare.evaluationIds[0], measure: 'MI' });
    expect(code(old)).toBe('BAD_USER_INPUT');
    expect(old.errors?.[0].message).toMatch(/stored without plausibility/);
    const summary = await gql(`query($id: ID!) { evaluation(id: $id) { plausibility { slices unavailable } } }`, {
      id: bare.evaluationIds[0],
    });
    expect(summary.data.evaluation.plausibility).toEqual({ slices: 0, unavailable: 20 });
  });
});
