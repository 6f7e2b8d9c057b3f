/**
 * The Distortions view's two reads of a whole sweep take a fixed number of SQL statements, counted
 * from the real Prisma client's query events on the synthetic quick study
 * (test/support/synthetic-store.ts): distortionSweep (every evaluation × structure × metric in two
 * statements, grouped) with every distribution equal to one computed here from the stored rows —
 * count, mean in prediction-id order, extremes and quartiles by linear interpolation between
 * order statistics (percentile_cont) — whole and in a scope; and calibrationMeasures of every
 * evaluation of the sweep in one request (aliases), batched, each answer the same as the
 * evaluation's own request (whose numbers test/api/failure-detection.test.ts pins against the
 * pixels), also when aliases of one request ask for different scopes.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import { PrismaClient } from '../../src/db/generated/client';
import { createPgAdapter } from '../../src/db/pg-adapter';
import { buildApiSchema } from '../../src/resolvers';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticQuickStudy, type SyntheticQuickStudy } from '../support/synthetic-store';

const STRUCTURE_METRICS = {
  dice: 'dice',
  assd: 'assdMm',
  hd: 'hdMm',
  hd95: 'hd95Mm',
  diceWithin: 'diceWithin',
  assdWithin: 'assdWithinMm',
} as const;
const IMAGE_METRICS = ['entropy', 'mi', 'nll', 'brier'] as const;

/** Linear interpolation between the order statistics (SQL percentile_cont). */
function quantile(sorted: number[], q: number) {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** `values` in prediction-id order (nulls kept, skipped). */
function distribution(values: Array<number | null>) {
  const kept = values.filter((v): v is number => v !== null);
  if (!kept.length) return { n: 0, mean: null, min: null, q1: null, median: null, q3: null, max: null };
  let sum = 0;
  for (const v of kept) sum += v;
  const sorted = [...kept].sort((a, b) => a - b);
  return {
    n: kept.length,
    mean: sum / kept.length,
    min: sorted[0],
    q1: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q3: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1],
  };
}

describe('sweep reads', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: PrismaClient<'query'>;
  let schema: GraphQLSchema;
  let study: SyntheticQuickStudy;
  let statements = 0;

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    store = new PrismaClient({ adapter: createPgAdapter(db.url), log: [{ emit: 'event', level: 'query' }] });
    store.$on('query', () => void statements++);
    study = await seedSyntheticQuickStudy(store as never, { slicesPerSubject: 6, size: 16 });
    schema = await buildApiSchema();
  }, 120000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  async function count(source: string, variableValues: Record<string, unknown> = {}) {
    statements = 0;
    const result = await graphql({
      schema,
      source,
      variableValues,
      contextValue: { store, actor: 'test', role: 'ANALYST' },
    });
    expect(result.errors).toBeUndefined();
    return { statements, data: result.data as any };
  }

  /** distortionSweep's points computed from the stored rows of each evaluation of `sweepRunId`. */
  async function expectedSweep(sweepRunId: string, phase?: 'ED' | 'ES') {
    const evaluations = await store.evaluation.findMany({ where: { run: { parentRunId: sweepRunId } } });
    const slice = phase ? { prediction: { slice: { phase } } } : {};
    const points = [];
    for (const e of evaluations) {
      const base = { evaluationId: e.id, kind: e.distortionKind, level: e.distortionLevel };
      const rows = await store.structureMetric.findMany({
        where: { evaluationId: e.id, ...slice },
        orderBy: { predictionId: 'asc' },
      });
      for (const [metric, column] of Object.entries(STRUCTURE_METRICS))
        for (const structure of ['LV', 'MYO', 'RV'] as const) {
          const mine = rows.filter((r) => r.structure === structure);
          if (mine.length)
            points.push({ ...base, structure, metric, distribution: distribution(mine.map((r) => r[column])) });
        }
      const images = await store.imageMetric.findMany({
        where: { evaluationId: e.id, ...slice },
        orderBy: { predictionId: 'asc' },
      });
      for (const metric of IMAGE_METRICS)
        points.push({ ...base, structure: null, metric, distribution: distribution(images.map((r) => r[metric])) });
    }
    return points;
  }

  const key = (p: any) => `${p.evaluationId} ${p.metric} ${p.structure}`;
  const byKey = (points: any[]) => [...points].sort((a, b) => key(a).localeCompare(key(b)));

  function expectSame(actual: any[], expected: any[]) {
    expect(actual.map(key).sort()).toEqual(expected.map(key).sort());
    const wanted = byKey(expected);
    byKey(actual).forEach((p, i) => {
      const { distribution: d, ...rest } = p;
      const { distribution: w, ...wantedRest } = wanted[i];
      expect(rest).toEqual(wantedRest);
      expect(d.n).toBe(w.n);
      for (const k of ['mean', 'min', 'q1', 'median', 'q3', 'max'] as const) {
        if (w[k] === null) expect(d[k]).toBeNull();
        else expect(d[k]).toBeCloseTo(w[k], 12);
      }
    });
  }

  const SWEEP = `query($id: ID!, $scope: SliceScope) { distortionSweep(runId: $id, scope: $scope) {
    evaluationId kind level structure metric distribution { n mean min q1 median q3 max } } }`;

  test('distortionSweep: the stored rows’ distributions of every evaluation, in four statements', async () => {
    const sweep = study.variants[0].sweepRunId;
    const whole = await count(SWEEP, { id: sweep });
    // 13 evaluations (level 0, three kinds × four levels) × (3 structures × 6 + 4 image) points.
    expect(whole.data.distortionSweep).toHaveLength(13 * (3 * 6 + 4));
    expectSame(whole.data.distortionSweep, await expectedSweep(sweep));
    // The sweep run, its evaluations, then one statement for structure rows and one for image rows.
    expect(whole.statements).toBe(4);

    const es = await count(SWEEP, { id: sweep, scope: { phase: 'ES' } });
    expectSame(es.data.distortionSweep, await expectedSweep(sweep, 'ES'));
    expect(es.statements).toBe(4);

    // Nothing in scope: no structure point, every image measure with n = 0.
    const none = await count(SWEEP, { id: sweep, scope: { site: 'nowhere' } });
    expect(none.data.distortionSweep).toHaveLength(13 * 4);
    expect(none.data.distortionSweep.every((p: any) => p.structure === null && p.distribution.n === 0)).toBe(true);

    // A sweep still running: the evaluations that finished.
    const running = await count(SWEEP, { id: study.running.sweepRunId });
    expect(new Set(running.data.distortionSweep.map((p: any) => p.level))).toEqual(new Set([0, 1]));
    expectSame(running.data.distortionSweep, await expectedSweep(study.running.sweepRunId));
  });

  const MEASURES = 'ece mce classwiseEce classEce adaptiveEce adaptiveEceErrorBound slices unavailable';

  test('calibrationMeasures of a whole sweep in one request: batched, each the evaluation’s own answer', async () => {
    const ids = study.evaluations
      .filter((e) => e.trainingRunId === study.variants[1].trainingRunId && e.site === 'A')
      .map((e) => e.id);
    expect(ids).toHaveLength(13);
    const one = async (id: string, scope?: object) =>
      (
        await count(
          `query($id: ID!, $scope: SliceScope) { evaluation(id: $id) { calibrationMeasures(scope: $scope) { ${MEASURES} } } }`,
          { id, scope },
        )
      ).data.evaluation.calibrationMeasures;
    const alone = [];
    for (const id of ids) alone.push(await one(id));
    expect(alone.every((m) => m.unavailable === null && m.slices === 4 * 6 && m.adaptiveEce !== null)).toBe(true);

    const aliased = (n: number) =>
      `query($scope: SliceScope) { ${ids
        .slice(0, n)
        .map((id, i) => `e${i}: evaluation(id: "${id}") { calibrationMeasures(scope: $scope) { ${MEASURES} } }`)
        .join(' ')} }`;
    const all = await count(aliased(13));
    expect(ids.map((_, i) => all.data[`e${i}`].calibrationMeasures)).toEqual(alone);
    // The evaluations (one batched lookup), three statements grouped by evaluation and one per
    // evaluation for the per-class cells; two evaluations cost 11 statements fewer than 13.
    const two = await count(aliased(2));
    expect(all.statements).toBe(1 + 3 + 13);
    expect(two.statements).toBe(1 + 3 + 2);

    // Different scopes in one request: each alias answers for its own.
    const mixed = await count(
      `{ a: evaluation(id: "${ids[0]}") { calibrationMeasures(scope: { phase: ES }) { ${MEASURES} } }
         b: evaluation(id: "${ids[1]}") { calibrationMeasures { ${MEASURES} } }
         c: evaluation(id: "${ids[2]}") { calibrationMeasures(scope: { site: "nowhere" }) { ${MEASURES} } } }`,
    );
    expect(mixed.data.a.calibrationMeasures).toEqual(await one(ids[0], { phase: 'ES' }));
    expect(mixed.data.a.calibrationMeasures.slices).toBe(4 * 3);
    expect(mixed.data.b.calibrationMeasures).toEqual(alone[1]);
    expect(mixed.data.c.calibrationMeasures).toMatchObject({ slices: 0, unavailable: 'no slice in scope' });
  });
});
