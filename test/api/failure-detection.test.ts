/**
 * Evaluation.calibrationMeasures, failureDetection and failureDetections over HTTP, pinned against
 * brute-force computations written here from docs/design.md's definitions: failure detection over
 * the stored structure rows read back through Prisma (expected accepted risk per case, pairwise
 * AUROC), calibration over the pixels a shard was written from (pooled, sorted, binned by hand),
 * never against the engine's output. An evaluation stored before the per-class and fine histograms
 * answers null with a reason for those, and its MCE from the stored reliability histograms. Each
 * figure's 95 % interval equals the engine's subjectBootstrap (subjects ordered by id, the seed
 * given) of that brute force over the stored rows grouped by subject.
 */
import seedrandom from 'seedrandom';
import { classwiseHistograms } from '../../src/engine/metrics/classwise-calibration-error';
import { calibration } from '../../src/engine/metrics/calibration';
import { fineConfidenceHistogram } from '../../src/engine/metrics/fine-confidence-histogram';
import { subjectBootstrap } from '../../src/engine/statistics/bootstrap';
import { FAILURE_RESAMPLES } from '../../src/services/failure-detection';
import { writeShard } from '../../src/store/write-shard';
import { usePlatform } from '../support/platform';
import { seedSyntheticResults } from '../support/synthetic-results';

const MEASURES = ['ENTROPY', 'MI', 'DICE_WITHIN', 'ASSD_WITHIN'] as const;

interface Case {
  subjectId: string;
  score: number;
  dice: number;
  poor: boolean;
}

/** Trapezoid area of (x, y) points, over a unit interval as the definition normalises it. */
function area(points: Array<[number, number]>, n: number): number {
  let a = 0;
  for (let k = 1; k < points.length; k++)
    a += ((points[k][0] - points[k - 1][0]) * (points[k][1] + points[k - 1][1])) / 2;
  return a / (1 - 1 / n);
}

/**
 * Expected accepted risk after k cases, accepting in ascending score with ties in random order:
 * Σ_i ρ_i · P(i is among the first k), P = clamp((k − #{u < u_i}) / #{u = u_i}, 0, 1).
 */
function bruteRiskCoverage(cases: Case[], risk: (c: Case) => number) {
  const n = cases.length;
  const counts = new Map<number, number>();
  for (const c of cases) counts.set(c.score, (counts.get(c.score) ?? 0) + 1);
  const places = cases.map((c) => ({
    below: [...counts].reduce((a, [score, k]) => a + (score < c.score ? k : 0), 0),
    tied: counts.get(c.score)!,
  }));
  const sums = Array.from({ length: n }, (_, k0) => {
    const k = k0 + 1;
    let s = 0;
    cases.forEach((c, i) => {
      s += risk(c) * Math.min(1, Math.max(0, (k - places[i].below) / places[i].tied));
    });
    return s;
  });
  const selective = sums.map((s, k) => [(k + 1) / n, s / (k + 1)] as [number, number]);
  const joint = sums.map((s, k) => [(k + 1) / n, s / n] as [number, number]);
  const sorted = cases.map(risk).sort((a, b) => a - b);
  let acc = 0;
  const optimal = sorted.map((r, k) => [(k + 1) / n, (acc += r) / (k + 1)] as [number, number]);
  const aurc = area(selective, n);
  return { points: selective, aurc, eAurc: aurc - area(optimal, n), augrc: area(joint, n) };
}

function bruteAuroc(cases: Case[]): number | null {
  const poor = cases.filter((c) => c.poor);
  const good = cases.filter((c) => !c.poor);
  if (!poor.length || !good.length) return null;
  let wins = 0;
  for (const p of poor) for (const g of good) wins += p.score > g.score ? 1 : p.score === g.score ? 0.5 : 0;
  return wins / (poor.length * good.length);
}

/** Pixels of one slice: C = 4 probabilities each and a label. */
interface Pixels {
  probs: number[];
  labels: number[];
}

/** Σ_b |Σ outcome − Σ value| / N over equal-width bins of `bins`, and the largest per-bin gap. */
function bruteEqualWidth(values: Array<[number, number]>, bins: number) {
  const count = new Array<number>(bins).fill(0);
  const gap = new Array<number>(bins).fill(0);
  for (const [v, o] of values) {
    const b = Math.min(Math.floor(v * bins), bins - 1);
    count[b]++;
    gap[b] += o - v;
  }
  const ece = gap.reduce((a, g) => a + Math.abs(g), 0) / values.length;
  const mce = Math.max(...gap.map((g, b) => (count[b] ? Math.abs(g) / count[b] : -1)));
  return { ece, mce };
}

function topLabel(p: Pixels): Array<[number, number]> {
  return p.labels.map((y, j) => {
    const row = p.probs.slice(4 * j, 4 * j + 4);
    const best = row.indexOf(Math.max(...row));
    return [row[best], best === y ? 1 : 0];
  });
}

function bruteAce(values: Array<[number, number]>, bins: number): number {
  const sorted = [...values].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const n = sorted.length;
  let total = 0;
  let start = 0;
  for (let b = 0; b < bins; b++) {
    const size = Math.floor(n / bins) + (b < n % bins ? 1 : 0);
    total += Math.abs(sorted.slice(start, start + size).reduce((a, [c, o]) => a + o - c, 0));
    start += size;
  }
  return total / n;
}

const FD_FIELDS = `structure measure n poor auroc
  diceRisk { aurc eAurc augrc points { coverage risk } }
  poorRisk { aurc eAurc augrc points { coverage risk } }`;

describe('calibration measures and failure detection over the API', () => {
  const fx = usePlatform('api');
  let oldEvaluation: string;
  let newEvaluation: string;
  const pixelsBySlice = new Map<string, Pixels>();
  const edSlices = new Set<string>();

  beforeAll(async () => {
    const seeded = await seedSyntheticResults(fx.store, { slices: 48, evaluations: 1, ties: true, sliceCount: 6 });
    oldEvaluation = seeded.evaluationIds[0];
    // A second evaluation of the same slices written by the shard writer, from pixels kept here.
    const run = await fx.store.run.create({
      data: { kind: 'EVALUATE', config: {}, status: 'SUCCEEDED', codeVersion: 'test', createdBy: 'test' },
    });
    newEvaluation = (
      await fx.store.evaluation.create({
        data: {
          runId: run.id,
          trainingRunId: seeded.trainingRunId,
          datasetId: seeded.datasetId,
          samples: 5,
          metricVersion: 1,
        },
      })
    ).id;
    const slices = await fx.store.slice.findMany({ select: { id: true, phase: true }, orderBy: { id: 'asc' } });
    const random = seedrandom('failure-detection-api');
    const rows = slices.map(({ id, phase }) => {
      if (phase === 'ED') edSlices.add(id);
      const n = 20 + Math.floor(random() * 30);
      const probs: number[] = [];
      const labels: number[] = [];
      for (let j = 0; j < n; j++) {
        const top = Math.floor(random() * 4);
        // Half the pixels sure (float32-like steps below 1, many equal), half spread out.
        const conf = random() < 0.5 ? 1 - Math.floor(random() * 4) * 2 ** -24 : 0.3 + 0.7 * random() ** 0.5;
        const rest = (1 - conf) / 3;
        for (let c = 0; c < 4; c++) probs.push(c === top ? conf : rest);
        labels.push(random() < conf ? top : (top + 1 + Math.floor(random() * 3)) % 4);
      }
      pixelsBySlice.set(id, { probs, labels });
      const cal = calibration(probs, labels, n, 4, 15);
      const structure = () => ({
        status: 'OK' as const,
        dice: random(),
        assdMm: 1,
        hdMm: 1,
        hd95Mm: 1,
        diceWithin: Math.round(random() * 4) / 4,
        assdWithinMm: null,
        poor: random() < 0.3,
      });
      return {
        sliceId: id,
        sampleLabels: [],
        result: {
          meanLabels: new Uint8Array(n),
          structures: { LV: structure(), MYO: structure(), RV: structure() },
          nll: cal.nll,
          brier: cal.brier,
          entropy: Math.round(random() * 5) / 5,
          mi: random(),
          histogram: cal.histogram,
          classHistograms: classwiseHistograms(probs, labels, n, 4, 15),
          confidenceHistogram: fineConfidenceHistogram(probs, labels, n, 4),
        },
      };
    });
    await writeShard(fx.store, {
      runId: run.id,
      evaluationId: newEvaluation,
      shard: 0,
      actor: 'test',
      backend: 'cpu',
      rows,
    });
  }, 60000);

  async function storedCases(evaluationId: string, structure: 'LV' | 'MYO' | 'RV', measure: (typeof MEASURES)[number]) {
    const rows = await fx.store.structureMetric.findMany({
      where: { evaluationId, structure },
      include: { prediction: { include: { image: true, slice: { select: { subjectId: true } } } } },
    });
    return rows.map((r): Case => {
      const im = r.prediction.image!;
      const score = {
        ENTROPY: im.entropy,
        MI: im.mi,
        DICE_WITHIN: 1 - (r.diceWithin as number),
        ASSD_WITHIN: r.assdWithinMm ?? Infinity,
      }[measure];
      return { subjectId: r.prediction.slice.subjectId, score, dice: r.dice, poor: r.poor };
    });
  }

  test('failure detection of every structure × measure equals the brute force over the stored rows', async () => {
    for (const evaluationId of [oldEvaluation, newEvaluation]) {
      const { body } = await fx.api.gql(
        `query($id: ID!) { evaluation(id: $id) { failureDetections(maxPoints: 100000) { ${FD_FIELDS} } } }`,
        { id: evaluationId },
      );
      expect(body.errors).toBeUndefined();
      const list = body.data.evaluation.failureDetections;
      expect(list.map((f: any) => `${f.structure}/${f.measure}`)).toEqual(
        ['LV', 'MYO', 'RV'].flatMap((s) => MEASURES.map((m) => `${s}/${m}`)),
      );
      for (const f of list) {
        const cases = await storedCases(evaluationId, f.structure, f.measure);
        expect([f.n, f.poor]).toEqual([cases.length, cases.filter((c) => c.poor).length]);
        const auroc = bruteAuroc(cases);
        expect(f.auroc).toBeCloseTo(auroc!, 12);
        for (const [field, risk] of [
          ['diceRisk', (c: Case) => 1 - c.dice],
          ['poorRisk', (c: Case) => (c.poor ? 1 : 0)],
        ] as const) {
          const want = bruteRiskCoverage(cases, risk);
          const got = f[field];
          expect(got.aurc).toBeCloseTo(want.aurc, 12);
          expect(got.eAurc).toBeCloseTo(want.eAurc, 12);
          expect(got.augrc).toBeCloseTo(want.augrc, 12);
          expect(got.eAurc).toBeGreaterThanOrEqual(-1e-12);
          expect(got.points).toHaveLength(cases.length);
          got.points.forEach((p: any, k: number) => {
            expect(p.coverage).toBeCloseTo(want.points[k][0], 12);
            expect(p.risk).toBeCloseTo(want.points[k][1], 12);
          });
        }
      }
    }
  });

  test("every figure's interval is the subject bootstrap of the brute force over the stored rows", async () => {
    const seed = 5;
    const { body } = await fx.api.gql(
      `query($id: ID!, $seed: Int) { evaluation(id: $id) { failureDetections(seed: $seed) {
        structure measure subjects auroc aurocCi95 { low high }
        diceRisk { aurc aurcCi95 { low high } eAurcCi95 { low high } augrcCi95 { low high } }
        poorRisk { aurcCi95 { low high } eAurcCi95 { low high } augrcCi95 { low high } } } } }`,
      { id: oldEvaluation, seed },
    );
    expect(body.errors).toBeUndefined();
    // LV by entropy (scores on a grid: ties) and by ASSD within (undefined ones +∞, tied last).
    const list = body.data.evaluation.failureDetections.filter(
      (f: any) => f.structure === 'LV' && (f.measure === 'ENTROPY' || f.measure === 'ASSD_WITHIN'),
    );
    expect(list).toHaveLength(2);
    for (const f of list) {
      const cases = await storedCases(oldEvaluation, f.structure, f.measure);
      const ids = [...new Set(cases.map((c) => c.subjectId))].sort();
      const groups = ids.map((id) => cases.filter((c) => c.subjectId === id));
      expect(f.subjects).toBe(8);
      const interval = (statistic: (c: readonly Case[]) => number | null) => {
        const b = subjectBootstrap(groups, statistic, { seed, resamples: FAILURE_RESAMPLES });
        return b.interval && { low: b.interval[0], high: b.interval[1] };
      };
      const expectInterval = (got: { low: number; high: number }, want: { low: number; high: number } | null) => {
        expect(want).not.toBeNull();
        expect(got.low).toBeCloseTo(want!.low, 12);
        expect(got.high).toBeCloseTo(want!.high, 12);
      };
      expectInterval(
        f.aurocCi95,
        interval((c) => bruteAuroc([...c])),
      );
      expect(f.aurocCi95.low).toBeLessThanOrEqual(f.auroc);
      expect(f.aurocCi95.high).toBeGreaterThanOrEqual(f.auroc);
      for (const [field, risk] of [
        ['diceRisk', (c: Case) => 1 - c.dice],
        ['poorRisk', (c: Case) => (c.poor ? 1 : 0)],
      ] as const) {
        // The three areas of one resample from one brute force (a resample is named by its
        // subjects in order: the same seed draws the same resamples for each area).
        const memo = new Map<string, ReturnType<typeof bruteRiskCoverage>>();
        const of = (c: readonly Case[]) => {
          const key = c.map((x) => x.subjectId).join();
          if (!memo.has(key)) memo.set(key, bruteRiskCoverage([...c], risk));
          return memo.get(key)!;
        };
        for (const key of ['aurc', 'eAurc', 'augrc'] as const)
          expectInterval(
            f[field][`${key}Ci95`],
            interval((c) => of(c)[key]),
          );
      }
    }
  });

  test('one pair with a scope, its curve thinned to maxPoints keeping both ends', async () => {
    const { body } = await fx.api.gql(
      `query($id: ID!) { evaluation(id: $id) {
        failureDetection(structure: MYO, measure: ASSD_WITHIN, scope: { phase: ED }, maxPoints: 5) { ${FD_FIELDS} } } }`,
      { id: oldEvaluation },
    );
    expect(body.errors).toBeUndefined();
    const f = body.data.evaluation.failureDetection;
    const predictions = await fx.store.prediction.findMany({
      where: { evaluationId: oldEvaluation, slice: { phase: 'ED' } },
      select: { id: true },
    });
    const ed = new Set(predictions.map((p) => p.id));
    const rows = await fx.store.structureMetric.findMany({ where: { evaluationId: oldEvaluation, structure: 'MYO' } });
    const cases = rows
      .filter((r) => ed.has(r.predictionId))
      .map((r) => ({ subjectId: '', score: r.assdWithinMm ?? Infinity, dice: r.dice, poor: r.poor }));
    expect(f.n).toBe(cases.length);
    const want = bruteRiskCoverage(cases, (c) => 1 - c.dice);
    expect(f.diceRisk.aurc).toBeCloseTo(want.aurc, 12);
    expect(f.poorRisk.augrc).toBeCloseTo(bruteRiskCoverage(cases, (c) => (c.poor ? 1 : 0)).augrc, 12);
    const points = f.diceRisk.points;
    expect(points.length).toBeLessThanOrEqual(5);
    expect(points[0].coverage).toBeCloseTo(1 / cases.length, 12);
    // The last point is (1, mean risk); the brute force sums in another order, so to rounding.
    expect(points[points.length - 1].coverage).toBe(1);
    expect(points[points.length - 1].risk).toBeCloseTo(want.points[cases.length - 1][1], 12);
  });

  test('calibration measures equal the brute force over the pixels written, whole and in a scope', async () => {
    const query = `query($id: ID!, $scope: SliceScope) { evaluation(id: $id) { calibrationMeasures(scope: $scope) {
      slices bins ece mce classwiseEce classEce adaptiveBins adaptiveEce adaptiveEceErrorBound unavailable } } }`;
    for (const scope of [null, { phase: 'ED' }]) {
      const { body } = await fx.api.gql(query, { id: newEvaluation, scope });
      expect(body.errors).toBeUndefined();
      const m = body.data.evaluation.calibrationMeasures;
      const pixels = [...pixelsBySlice.entries()].filter(([id]) => !scope || edSlices.has(id)).map(([, p]) => p);
      const top = pixels.flatMap(topLabel);
      const width = bruteEqualWidth(top, 15);
      expect(m.slices).toBe(pixels.length);
      expect(m.unavailable).toBeNull();
      expect(m.ece).toBeCloseTo(width.ece, 12);
      expect(m.mce).toBeCloseTo(width.mce, 12);
      const perClass = [0, 1, 2, 3].map(
        (c) =>
          bruteEqualWidth(
            pixels.flatMap((p) => p.labels.map((y, j) => [p.probs[4 * j + c], y === c ? 1 : 0] as [number, number])),
            15,
          ).ece,
      );
      perClass.forEach((e, c) => expect(m.classEce[c]).toBeCloseTo(e, 12));
      expect(m.classwiseEce).toBeCloseTo(perClass.reduce((a, b) => a + b, 0) / 4, 12);
      const exact = bruteAce(top, 15);
      expect(m.adaptiveBins).toBe(15);
      expect(Math.abs(m.adaptiveEce - exact)).toBeLessThanOrEqual(m.adaptiveEceErrorBound + 1e-12);
      expect(m.adaptiveEceErrorBound).toBeLessThan(0.1);
    }
  });

  test('an evaluation stored before the class and fine histograms: null with the reason, MCE from the stored bins', async () => {
    const { body } = await fx.api.gql(
      `query($id: ID!) { evaluation(id: $id) { calibrationMeasures { slices ece mce classwiseEce classEce adaptiveEce adaptiveEceErrorBound unavailable } } }`,
      { id: oldEvaluation },
    );
    expect(body.errors).toBeUndefined();
    const m = body.data.evaluation.calibrationMeasures;
    expect(m).toMatchObject({
      slices: 48,
      classwiseEce: null,
      classEce: null,
      adaptiveEce: null,
      adaptiveEceErrorBound: null,
    });
    expect(m.unavailable).toMatch(/48 of 48 slices .* before per-class and fine confidence histograms/);
    const images = await fx.store.imageMetric.findMany({ where: { evaluationId: oldEvaluation } });
    const count = new Array<number>(15).fill(0);
    const gap = new Array<number>(15).fill(0);
    for (const im of images)
      for (let b = 0; b < 15; b++) {
        count[b] += im.binCounts[b];
        gap[b] += im.binCorrect[b] - im.binConfidenceSum[b];
      }
    expect(m.mce).toBeCloseTo(Math.max(...gap.map((g, b) => (count[b] ? Math.abs(g) / count[b] : -1))), 12);
  });

  test('bad arguments are refused', async () => {
    const bins = await fx.api.gql(
      `query($id: ID!) { evaluation(id: $id) { calibrationMeasures(adaptiveBins: 0) { ece } } }`,
      {
        id: newEvaluation,
      },
    );
    expect(bins.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'adaptiveBins' });
    const points = await fx.api.gql(
      `query($id: ID!) { evaluation(id: $id) { failureDetections(maxPoints: 1) { n } } }`,
      { id: newEvaluation },
    );
    expect(points.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'maxPoints' });
  });
});
