/**
 * Per-parent reads are batched (src/resolvers/loaders.ts): a page of predictions with their slice,
 * metrics and image rows, and evaluations with their runs, datasets and checkpoints, take a fixed
 * number of SQL statements whatever the page size, counted from the real Prisma client's query
 * events on a synthetic store. `compare` over several evaluations (src/services/comparison.ts)
 * likewise, with every number equal to one computed here by brute force over the stored rows —
 * the means, ECE of the pooled histograms, the QC curves (the engine's qcCurve and
 * Evaluation.qcCurve), Spearman ρ of each measure with ASSD (ranks and Pearson written here, and
 * Evaluation.correlations), and each 95 % interval against the engine's subjectBootstrap over the
 * rows themselves (subjects ordered by id, the same seed).
 */
import { graphql, type GraphQLSchema } from 'graphql';
import { PrismaClient } from '../../src/db/generated/client';
import { createPgAdapter } from '../../src/db/pg-adapter';
import { buildApiSchema } from '../../src/resolvers';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticResults, type SyntheticStore } from '../support/synthetic-results';
import { COMPARE_RESAMPLES } from '../../src/services/comparison';
import { qcCurve, randomReviewBaseline, reviewFractionAt } from '../../src/engine/metrics/qc-curve';
import { subjectBootstrap, type Statistic } from '../../src/engine/statistics/bootstrap';

const STRUCTURES = ['LV', 'MYO', 'RV'] as const;
const SEED = 7;
const CI = 'ci { low high }';
const ci = (name: string) => CI.replace('ci', name);

interface Row {
  subjectId: string;
  structure: string;
  dice: number;
  assd: number | null;
  poor: boolean;
  entropy: number;
  mi: number;
  diceWithin: number | null;
  assdWithin: number | null;
  sliceIndex: number;
  sliceCount: number;
}
interface Image {
  subjectId: string;
  nll: number;
  entropy: number;
  counts: number[];
  conf: number[];
  correct: number[];
}

describe('batched reads', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: PrismaClient<'query'>;
  let schema: GraphQLSchema;
  let seeded: SyntheticStore;
  let statements = 0;

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    store = new PrismaClient({ adapter: createPgAdapter(db.url), log: [{ emit: 'event', level: 'query' }] });
    store.$on('query', () => void statements++);
    // 12 subjects of 10 slices; scores on a grid (ties), some ASSD and ASSD_within undefined;
    // histograms that differ per slice, so ECE varies between resamples.
    seeded = await seedSyntheticResults(store as never, { slices: 120, evaluations: 3, ties: true, randomBins: true });
    schema = await buildApiSchema();
  }, 60000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  async function count(source: string, variableValues: Record<string, unknown>) {
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

  test('a page of 100 predictions with slice, metrics and image costs as many statements as a page of 2', async () => {
    const query = `query($id: ID!, $first: Int!) { evaluation(id: $id) { predictions(first: $first) { nodes {
      id slice { id subjectId sliceIndex sliceCount phase position } image { entropy mi } metrics { structure poor } } } } }`;
    const big = await count(query, { id: seeded.evaluationIds[0], first: 100 });
    const small = await count(query, { id: seeded.evaluationIds[0], first: 2 });
    expect(big.data.evaluation.predictions.nodes).toHaveLength(100);
    expect(
      big.data.evaluation.predictions.nodes.every((n: any) => n.slice.id && n.metrics.length === 3 && n.image),
    ).toBe(true);
    // evaluation, the ordered ids, the page's rows, then one statement each for slices, metrics and images.
    expect(big.statements).toBe(small.statements);
    expect(big.statements).toBeLessThanOrEqual(6);
    expect(small.statements).toBeGreaterThanOrEqual(4);
  });

  test('evaluations with their runs, datasets and checkpoints: one statement per kind of parent read', async () => {
    const { statements: n, data } = await count(
      '{ evaluations { id method run { id } trainingRun { id } dataset { name } checkpoints { id } } }',
      {},
    );
    expect(data.evaluations).toHaveLength(3);
    expect(data.evaluations.every((e: any) => e.method === 'MC_DROPOUT' && e.dataset.name)).toBe(true);
    expect(n).toBeLessThanOrEqual(5);
  });

  const QUERY = `query($ids: [ID!]!, $seed: Int) { compare(evaluationIds: $ids, seed: $seed) {
    evaluationId subjects entropy ${ci('entropyCi95')}
    structures { structure n dice assd ${ci('diceCi95')} ${ci('assdCi95')} }
    calibration { ece nll ${ci('eceCi95')} ${ci('nllCi95')} }
    correlations { structure measure spearman n ${ci('spearmanCi95')} }
    qc(measure: ASSD_WITHIN) { structure reviewAt randomReviewAt slicePositionReviewAt ${ci('aucCi95')} ${ci('reviewAtCi95')}
      curve { auc n poor points { flagged remaining } } slicePosition { auc points { flagged remaining } } } } }`;

  async function storedRows(evaluationId: string) {
    const metrics = await store.structureMetric.findMany({
      where: { evaluationId },
      include: { prediction: { include: { slice: true } } },
    });
    const images = await store.imageMetric.findMany({
      where: { evaluationId },
      include: { prediction: { include: { slice: true } } },
    });
    const entropyOf = new Map(images.map((i) => [i.predictionId, i.entropy]));
    const miOf = new Map(images.map((i) => [i.predictionId, i.mi]));
    const rows: Row[] = metrics.map((m) => ({
      subjectId: m.prediction.slice.subjectId,
      structure: m.structure,
      dice: m.dice,
      assd: m.assdMm,
      poor: m.poor,
      entropy: entropyOf.get(m.predictionId)!,
      mi: miOf.get(m.predictionId)!,
      diceWithin: m.diceWithin,
      assdWithin: m.assdWithinMm,
      sliceIndex: m.prediction.slice.sliceIndex,
      sliceCount: m.prediction.slice.sliceCount,
    }));
    const imageRows: Image[] = images.map((i) => ({
      subjectId: i.prediction.slice.subjectId,
      nll: i.nll,
      entropy: i.entropy,
      counts: i.binCounts,
      conf: i.binConfidenceSum,
      correct: i.binCorrect,
    }));
    return { rows, images: imageRows };
  }

  /** Cases grouped by subject, subjects in id order (as compare orders them). */
  function bySubject<T extends { subjectId: string }>(cases: T[]): T[][] {
    const ids = [...new Set(cases.map((c) => c.subjectId))].sort();
    return ids.map((id) => cases.filter((c) => c.subjectId === id));
  }
  const mean = (xs: Array<number | null>) => {
    const kept = xs.filter((x): x is number => x !== null);
    return kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : null;
  };
  const ece = (images: readonly Image[]) => {
    let n = 0;
    let gap = 0;
    for (let b = 0; b < 15; b++) {
      const [c, conf, cor] = [0, 1, 2].map((k) => images.reduce((a, i) => a + [i.counts, i.conf, i.correct][k][b], 0));
      n += c;
      gap += Math.abs(cor - conf);
    }
    return n ? gap / n : null;
  };
  /** Average ranks (1-based) by sorting: equal values share the mean of the positions they span. */
  const ranks = (v: number[]) => {
    const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    const out = new Array<number>(v.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j < order.length && v[order[j]] === v[order[i]]) j++;
      for (let k = i; k < j; k++) out[order[k]] = (i + 1 + j) / 2;
      i = j;
    }
    return out;
  };
  /** Spearman ρ: Pearson of the average ranks over the pairs with both values finite. */
  const rho = (pairs: Array<[number | null, number | null]>) => {
    const kept = pairs.filter((p): p is [number, number] => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (kept.length < 2) return { rho: null, n: kept.length };
    const a = ranks(kept.map((p) => p[0]));
    const b = ranks(kept.map((p) => p[1]));
    const m = (kept.length + 1) / 2;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    a.forEach((x, i) => {
      ab += (x - m) * (b[i] - m);
      aa += (x - m) ** 2;
      bb += (b[i] - m) ** 2;
    });
    return { rho: aa === 0 || bb === 0 ? null : ab / Math.sqrt(aa * bb), n: kept.length };
  };
  const MEASURE_VALUE = {
    ENTROPY: (r: Row) => r.entropy,
    MI: (r: Row) => r.mi,
    DICE_WITHIN: (r: Row) => r.diceWithin,
    ASSD_WITHIN: (r: Row) => r.assdWithin,
  } as const;
  const score = (r: Row) => (r.assdWithin === null ? Infinity : r.assdWithin);
  const curveOf = (rows: readonly Row[], scoreOf: (r: Row) => number) =>
    qcCurve(
      rows.map(scoreOf),
      rows.map((r) => r.poor),
    );
  function bruteInterval<T>(groups: T[][], statistic: Statistic<T>) {
    const b = subjectBootstrap(groups, statistic, { seed: SEED, resamples: COMPARE_RESAMPLES });
    return b.interval && { low: b.interval[0], high: b.interval[1] };
  }
  function expectInterval(
    actual: { low: number; high: number } | null,
    expected: { low: number; high: number } | null,
  ) {
    expect(expected).not.toBeNull();
    expect(actual!.low).toBeCloseTo(expected!.low, 12);
    expect(actual!.high).toBeCloseTo(expected!.high, 12);
    expect(actual!.low).toBeLessThanOrEqual(actual!.high);
  }

  test('three evaluations take the statements of one', async () => {
    const one = await count(QUERY, { ids: seeded.evaluationIds.slice(0, 1), seed: SEED });
    const three = await count(QUERY, { ids: seeded.evaluationIds, seed: SEED });
    expect(three.data.compare.map((r: any) => r.evaluationId)).toEqual(seeded.evaluationIds);
    expect(three.statements).toBe(one.statements);
    expect(three.statements).toBeLessThanOrEqual(9);
    // Each evaluation's row is the same whether compared alone or with others.
    expect(three.data.compare[0]).toEqual(one.data.compare[0]);
  });

  test('a table of point estimates does not read the per-subject rows, and its figures are those of the full query', async () => {
    const POINTS = `query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId structures { structure n dice assd }
      calibration { ece nll } entropy } }`;
    const points = await count(POINTS, { ids: seeded.evaluationIds });
    // Nor later, in the background, after the answer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statements).toBe(points.statements);
    const full = await count(QUERY, { ids: seeded.evaluationIds, seed: SEED });
    // The three per-subject reads (structure sums, image sums, structure rows) are the difference.
    expect(points.statements).toBe(full.statements - 3);
    points.data.compare.forEach((row: any, i: number) => {
      const whole = full.data.compare[i];
      expect(row.evaluationId).toBe(whole.evaluationId);
      expect(row.calibration).toEqual({ ece: whole.calibration.ece, nll: whole.calibration.nll });
      expect(row.entropy).toBe(whole.entropy);
      expect(row.structures).toEqual(
        whole.structures.map((s: any) => ({ structure: s.structure, n: s.n, dice: s.dice, assd: s.assd })),
      );
    });
  });

  test("intervals of the means read the per-subject sums, not every row, and equal the full query's", async () => {
    const INTERVALS = `query($ids: [ID!]!, $seed: Int) { compare(evaluationIds: $ids, seed: $seed) { evaluationId subjects
      structures { structure diceCi95 { low high } assdCi95 { low high } hdCi95 { low high } hd95Ci95 { low high } }
      calibration { eceCi95 { low high } nllCi95 { low high } brierCi95 { low high } } entropyCi95 { low high } miCi95 { low high } } }`;
    const points = await count(
      `query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId structures { structure n dice assd } calibration { ece nll } entropy } }`,
      { ids: seeded.evaluationIds },
    );
    const intervals = await count(INTERVALS, { ids: seeded.evaluationIds, seed: SEED });
    // Structure sums and image sums, grouped per subject in SQL; the structure rows are not read.
    expect(intervals.statements).toBe(points.statements + 2);
    const full = await count(QUERY, { ids: seeded.evaluationIds, seed: SEED });
    intervals.data.compare.forEach((row: any, i: number) => {
      const whole = full.data.compare[i];
      expect(row.subjects).toBe(whole.subjects);
      expect(row.entropyCi95).toEqual(whole.entropyCi95);
      expect(row.calibration.eceCi95).toEqual(whole.calibration.eceCi95);
      expect(row.structures.map((s: any) => s.diceCi95)).toEqual(whole.structures.map((s: any) => s.diceCi95));
    });
  });

  test('means, ECE, QC curves and every interval equal brute force over the stored rows', async () => {
    const { data } = await count(QUERY, { ids: seeded.evaluationIds, seed: SEED });
    for (const r of data.compare) {
      const { rows, images } = await storedRows(r.evaluationId);
      const imageGroups = bySubject(images);
      expect(r.subjects).toBe(12);
      expect(r.entropy).toBeCloseTo(mean(images.map((i) => i.entropy))!, 12);
      expectInterval(
        r.entropyCi95,
        bruteInterval(imageGroups, (c) => mean(c.map((i) => i.entropy))),
      );
      expect(r.calibration.nll).toBeCloseTo(mean(images.map((i) => i.nll))!, 12);
      expectInterval(
        r.calibration.nllCi95,
        bruteInterval(imageGroups, (c) => mean(c.map((i) => i.nll))),
      );
      expect(r.calibration.ece).toBeCloseTo(ece(images)!, 12);
      expectInterval(r.calibration.eceCi95, bruteInterval(imageGroups, ece));

      const { evaluation } = (
        await count(
          `query($id: ID!) { evaluation(id: $id) { ${STRUCTURES.map(
            (
              s,
            ) => `${s}: qcCurve(structure: ${s}, measure: ASSD_WITHIN) { auc reviewAt(target: 0.05) points { flagged remaining } }
            ${s}b: baselines(structure: ${s}) { random { reviewAt(target: 0.05) } slicePosition { auc reviewAt(target: 0.05) points { flagged remaining } } }`,
          ).join(' ')} correlations { structure measure spearman n } } }`,
          { id: r.evaluationId },
        )
      ).data;
      for (const structure of STRUCTURES) {
        const mine = rows.filter((x) => x.structure === structure);
        const groups = bySubject(mine);
        const s = r.structures.find((x: any) => x.structure === structure);
        expect(s.n).toBe(mine.length);
        expect(s.dice).toBeCloseTo(mean(mine.map((x) => x.dice))!, 12);
        expect(s.assd).toBeCloseTo(mean(mine.map((x) => x.assd))!, 12);
        expectInterval(
          s.diceCi95,
          bruteInterval(groups, (c) => mean(c.map((x) => x.dice))),
        );
        expectInterval(
          s.assdCi95,
          bruteInterval(groups, (c) => mean(c.map((x) => x.assd))),
        );

        const qc = r.qc.find((x: any) => x.structure === structure);
        const brute = curveOf(mine, score);
        expect(qc.curve.n).toBe(mine.length);
        expect(qc.curve.poor).toBe(brute.poor);
        expect(qc.curve.points.map((p: any) => [p.flagged, p.remaining])).toEqual(brute.points);
        expect(qc.curve.auc).toBeCloseTo(brute.auc, 14);
        expect(qc.reviewAt).toBe(reviewFractionAt(brute.points, 0.05));
        expect(qc.randomReviewAt).toBe(randomReviewBaseline(brute.n, brute.poor, 0.05).reviewFraction);
        const position = curveOf(mine, (x) => -Math.min(x.sliceIndex, x.sliceCount - 1 - x.sliceIndex));
        expect(qc.slicePosition.points.map((p: any) => [p.flagged, p.remaining])).toEqual(position.points);
        expect(qc.slicePositionReviewAt).toBe(reviewFractionAt(position.points, 0.05));
        // The same numbers as the evaluation's own fields (computed in SQL).
        expect(qc.curve.points).toEqual(evaluation[structure].points);
        expect(qc.curve.auc).toBe(evaluation[structure].auc);
        expect(qc.reviewAt).toBe(evaluation[structure].reviewAt);
        expect(qc.randomReviewAt).toBe(evaluation[`${structure}b`].random.reviewAt);
        expect(qc.slicePosition.auc).toBe(evaluation[`${structure}b`].slicePosition.auc);
        expect(qc.slicePositionReviewAt).toBe(evaluation[`${structure}b`].slicePosition.reviewAt);

        expectInterval(
          qc.aucCi95,
          bruteInterval(groups, (c) => curveOf(c, score).auc),
        );
        expectInterval(
          qc.reviewAtCi95,
          bruteInterval(groups, (c) => reviewFractionAt(curveOf(c, score).points, 0.05)),
        );

        for (const [measure, value] of Object.entries(MEASURE_VALUE)) {
          const c = r.correlations.find((x: any) => x.structure === structure && x.measure === measure);
          const pairsOf = (xs: readonly Row[]) => xs.map((x) => [value(x), x.assd] as [number | null, number | null]);
          const want = rho(pairsOf(mine));
          expect(c.n).toBe(want.n);
          expect(want.rho).not.toBeNull();
          expect(c.spearman).toBeCloseTo(want.rho!, 12);
          // The same number as the evaluation's own correlations.
          const own = evaluation.correlations.find((x: any) => x.structure === structure && x.measure === measure);
          expect(own).toMatchObject({ n: c.n });
          expect(c.spearman).toBeCloseTo(own.spearman, 14);
          expectInterval(
            c.spearmanCi95,
            bruteInterval(groups, (xs) => rho(pairsOf(xs)).rho),
          );
        }
      }
      expect(r.correlations.map((c: any) => `${c.structure}/${c.measure}`)).toEqual(
        STRUCTURES.flatMap((s) => Object.keys(MEASURE_VALUE).map((m) => `${s}/${m}`)),
      );
    }
  });

  test('another seed gives other intervals around the same estimates; a scope with no slice gives none', async () => {
    const id = seeded.evaluationIds[0];
    const a = (await count(QUERY, { ids: [id], seed: SEED })).data.compare[0];
    const b = (await count(QUERY, { ids: [id], seed: SEED + 1 })).data.compare[0];
    expect(b.structures[0].dice).toBe(a.structures[0].dice);
    expect(b.structures[0].diceCi95).not.toEqual(a.structures[0].diceCi95);
    const empty = (
      await count(
        `query($ids: [ID!]!) { compare(evaluationIds: $ids, scope: { site: "nowhere" }) { subjects structures { structure } calibration { ece ${ci('eceCi95')} } entropyCi95 { low } correlations { spearman } qc(measure: ENTROPY) { structure } } }`,
        { ids: [id] },
      )
    ).data.compare[0];
    expect(empty).toEqual({
      subjects: 0,
      structures: [],
      calibration: { ece: null, eceCi95: null },
      entropyCi95: null,
      correlations: [],
      qc: [],
    });
  });
});
