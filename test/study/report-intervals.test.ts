/**
 * The report's subject-bootstrap intervals and interval verdicts (src/report/subject-intervals.ts,
 * verdicts.ts, findings.ts), pinned against computations written here: point estimates by hand on
 * three hand-made subjects, and every interval against a brute-force bootstrap that rebuilds each
 * seeded resample's slices and recomputes the figure naively (mean, pooled ECE, QC AUC by the
 * trapezoid rule, Spearman from ranks), with the type-7 quantiles computed here too.
 */
import { qcCurve, slicePositionScore } from '../../src/engine/metrics/qc-curve';
import { spearman } from '../../src/engine/metrics/spearman';
import { subjectDraws } from '../../src/engine/statistics/bootstrap';
import type { ReportData } from '../../src/report/collect';
import { findings, findingsTally } from '../../src/report/findings';
import type { SliceValues } from '../../src/report/slice-values';
import { differenceOf, meanOf, Resampler, twoSampleInterval } from '../../src/report/subject-intervals';
import { allVerdict, anyVerdict, directionVerdict, equivalenceVerdict, orderVerdict } from '../../src/report/verdicts';

type Hand = {
  subject: string;
  dice: number;
  assd: number | null;
  poor: boolean;
  u: number;
  nll: number;
  bins: number[][];
};

/** A slice with LV values as given (MYO and RV copies), a 2-bin histogram [count, Σconf, correct] per bin. */
function slice(h: Hand, sliceIndex = 0): SliceValues {
  const st = {
    dice: h.dice,
    assd: h.assd,
    hd: h.assd === null ? null : 3 * h.assd,
    diceWithin: 0.9,
    assdWithin: h.u,
    poor: h.poor,
  };
  return {
    subjectId: h.subject,
    sliceIndex,
    sliceCount: 3,
    structures: { LV: st, MYO: st, RV: st },
    nll: h.nll,
    brier: h.nll / 2,
    entropy: h.u / 10,
    mi: 0,
    binCounts: h.bins.map((b) => b[0]),
    binConfidenceSum: h.bins.map((b) => b[1]),
    binCorrect: h.bins.map((b) => b[2]),
  };
}

// Subjects listed out of id order: the resampler sorts them (s1, s2, s3).
const method1: SliceValues[] = [
  slice(
    {
      subject: 's3',
      dice: 0.9,
      assd: 1,
      poor: false,
      u: 0.5,
      nll: 0.2,
      bins: [
        [2, 1.2, 1],
        [8, 7.6, 8],
      ],
    },
    0,
  ),
  slice(
    {
      subject: 's3',
      dice: 0.8,
      assd: null,
      poor: true,
      u: 3,
      nll: 0.4,
      bins: [
        [5, 3, 2],
        [5, 4.5, 4],
      ],
    },
    1,
  ),
  slice(
    {
      subject: 's1',
      dice: 0.6,
      assd: 2,
      poor: true,
      u: 2,
      nll: 0.6,
      bins: [
        [6, 3.3, 3],
        [4, 3.8, 2],
      ],
    },
    0,
  ),
  slice(
    {
      subject: 's1',
      dice: 0.7,
      assd: 1.5,
      poor: false,
      u: 1,
      nll: 0.5,
      bins: [
        [3, 1.5, 1],
        [7, 6.5, 6],
      ],
    },
    2,
  ),
  slice(
    {
      subject: 's2',
      dice: 0.5,
      assd: 4,
      poor: true,
      u: 2,
      nll: 0.9,
      bins: [
        [9, 5, 4],
        [1, 0.95, 1],
      ],
    },
    1,
  ),
];
// The second method: each slice's Dice 0.05 lower, NLL 0.1 higher.
const method2 = method1.map((s) => ({
  ...s,
  structures: { ...s.structures, LV: { ...s.structures.LV, dice: s.structures.LV.dice - 0.05 } },
  nll: s.nll + 0.1,
}));

const B = 400;
const SEED = 3;

/** Type-7 quantile, written out. */
function quantile(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const h = q * (v.length - 1);
  const lo = Math.floor(h);
  return v[lo] + (h - lo) * (v[Math.min(lo + 1, v.length - 1)] - v[lo]);
}

const SUBJECTS = ['s1', 's2', 's3'];
/** The brute-force interval: each seeded draw's slices rebuilt, the figure recomputed naively. */
function bruteForce(
  figure: (drawn: SliceValues[][]) => number | null,
  evaluations: SliceValues[][],
  draws = [...subjectDraws(3, B, SEED)],
) {
  const values = draws
    .map((d) => figure(evaluations.map((rows) => d.flatMap((i) => rows.filter((r) => r.subjectId === SUBJECTS[i])))))
    .filter((v): v is number => v !== null);
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

const meanDiceLV = (rows: SliceValues[]) => rows.reduce((a, r) => a + r.structures.LV.dice, 0) / rows.length;
const meanAssdLV = (rows: SliceValues[]) => {
  const kept = rows.filter((r) => r.structures.LV.assd !== null);
  return kept.length ? kept.reduce((a, r) => a + r.structures.LV.assd!, 0) / kept.length : null;
};
const pooledEce = (rows: SliceValues[]) => {
  let n = 0;
  let gap = 0;
  for (let b = 0; b < 2; b++) {
    const count = rows.reduce((a, r) => a + r.binCounts[b], 0);
    const conf = rows.reduce((a, r) => a + r.binConfidenceSum[b], 0);
    const correct = rows.reduce((a, r) => a + r.binCorrect[b], 0);
    n += count;
    gap += Math.abs(correct - conf);
  }
  return gap / n;
};
/** QC AUC: flag by descending u, ties together; trapezoid over (flagged/N, poor left/N). */
const qcAuc = (rows: SliceValues[]) => {
  const N = rows.length;
  const us = [...new Set(rows.map((r) => r.structures.LV.assdWithin!))].sort((a, b) => b - a);
  let left = rows.filter((r) => r.structures.LV.poor).length;
  let flagged = 0;
  let prev = [0, left / N];
  let auc = 0;
  for (const u of us) {
    const group = rows.filter((r) => r.structures.LV.assdWithin === u);
    flagged += group.length;
    left -= group.filter((r) => r.structures.LV.poor).length;
    const point = [flagged / N, left / N];
    auc += ((point[0] - prev[0]) * (point[1] + prev[1])) / 2;
    prev = point;
  }
  return auc;
};
const ranks = (x: number[]) =>
  x.map((v) => {
    const below = x.filter((y) => y < v).length;
    const equal = x.filter((y) => y === v).length;
    return below + (equal + 1) / 2;
  });
const spearmanLV = (rows: SliceValues[]) => {
  const kept = rows.filter((r) => r.structures.LV.assd !== null);
  const x = ranks(kept.map((r) => r.structures.LV.assdWithin!));
  const y = ranks(kept.map((r) => r.structures.LV.assd!));
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  const sxy = x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0);
  const sxx = x.reduce((a, v) => a + (v - mx) ** 2, 0);
  const syy = y.reduce((a, v) => a + (v - my) ** 2, 0);
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
};

describe('report intervals: subject bootstrap of the figures', () => {
  const r = new Resampler(
    new Map([
      ['m1', method1],
      ['m2', method2],
    ]),
    { seed: SEED, resamples: B },
  );
  const g1 = r.of('m1')!;
  const g2 = r.of('m2')!;

  test('subjects sorted by id, and the draws are the engine stream over them', () => {
    expect(r.subjects).toEqual(SUBJECTS);
    expect(r.draws()).toEqual([...subjectDraws(3, B, SEED)]);
  });

  test('point estimates on all subjects, by hand', () => {
    const all = [0, 1, 2];
    expect(g1.structureMean('LV', 'dice')(all)).toBeCloseTo((0.9 + 0.8 + 0.6 + 0.7 + 0.5) / 5, 12);
    expect(g1.structureMean('LV', 'assd')(all)).toBeCloseTo((1 + 2 + 1.5 + 4) / 4, 12);
    expect(g1.structureMean('LV', 'hd')(all)).toBeCloseTo((3 * (1 + 2 + 1.5 + 4)) / 4, 12);
    expect(g1.imageMean('nll')(all)).toBeCloseTo((0.2 + 0.4 + 0.6 + 0.5 + 0.9) / 5, 12);
    // bin 0: count 25, Σconf 14, correct 11; bin 1: 25, 23.35, 21 → (3 + 2.35) / 50.
    expect(g1.ece()(all)).toBeCloseTo((3 + 2.35) / 50, 12);
    // u: 3 (poor), 2, 2 (both poor), 1, 0.5; N = 5, P = 3. Points (0, .6), (.2, .4), (.6, 0), (.8, 0), (1, 0).
    expect(g1.qc('LV', 'ASSD_WITHIN', 'auc')(all)).toBeCloseTo(0.2 * 0.5 + 0.4 * 0.2, 12);
    // review fraction at 5 %: the first point with ≤ 5 % poor left is (0.6, 0).
    expect(g1.qc('LV', 'ASSD_WITHIN', 'review')(all)).toBeCloseTo(0.6, 12);
    // random: AUC P/(2N) = 0.3, review 1 − 0.05·5/3.
    expect(g1.qc('LV', 'RANDOM', 'auc')(all)).toBeCloseTo(0.3, 12);
    expect(g1.qc('LV', 'RANDOM', 'review')(all)).toBeCloseTo(1 - 0.25 / 3, 12);
    // Spearman over the 4 slices with an ASSD: u (0.5, 2, 1, 2) against assd (1, 2, 1.5, 4).
    expect(g1.spearman('LV', 'ASSD_WITHIN')(all)).toBeCloseTo(spearmanLV(method1)!, 12);
    expect(g1.median('nll')(all)).toBeCloseTo(0.5, 12);
  });

  test.each([
    ['mean Dice', (g: typeof g1) => g.structureMean('LV', 'dice'), meanDiceLV],
    ['mean ASSD (defined slices)', (g: typeof g1) => g.structureMean('LV', 'assd'), meanAssdLV],
    ['ECE of pooled histograms', (g: typeof g1) => g.ece(), pooledEce],
    ['QC AUC', (g: typeof g1) => g.qc('LV', 'ASSD_WITHIN', 'auc'), qcAuc],
    ['Spearman ρ', (g: typeof g1) => g.spearman('LV', 'ASSD_WITHIN'), spearmanLV],
  ])('%s: interval equals the brute-force bootstrap', (_, figure, naive) => {
    const ci = r.interval(figure(g1))!;
    const [lo, hi] = bruteForce(([rows]) => (rows.length ? naive(rows) : null), [method1]);
    expect(ci.interval![0]).toBeCloseTo(lo, 10);
    expect(ci.interval![1]).toBeCloseTo(hi, 10);
    expect(ci.resamples).toBe(B);
  });

  test("Spearman and QC per resample equal the engine's spearman and qcCurve of the concatenated slices (ties, undefined values)", () => {
    let seed = 11;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const rows = Array.from({ length: 30 }, (_, i) =>
      slice({
        subject: `p${i % 6}`,
        dice: 0.8,
        assd: rand() < 0.1 ? null : Math.round(rand() * 5) / 2, // ties on a half-mm grid
        poor: false,
        u: Math.round(rand() * 4),
        nll: 0,
        bins: [[1, 0.5, 1]],
      }),
    );
    rows.forEach((r, i) => {
      r.structures.LV = {
        ...r.structures.LV,
        poor: i % 3 === 0,
        assdWithin: i % 7 === 0 ? null : r.structures.LV.assdWithin,
      };
      r.sliceIndex = i % 3;
    });
    const rr = new Resampler(new Map([['x', rows]]), { seed: 5, resamples: 60 });
    const g = rr.of('x')!;
    const rho = g.spearman('LV', 'ASSD_WITHIN');
    for (const d of rr.draws()) {
      const drawn = d.flatMap((i) => rows.filter((r) => r.subjectId === rr.subjects[i]));
      // QC of the concatenation by the engine (ASSD-within null scores +∞, ties of scores and positions).
      const poor = drawn.map((r) => r.structures.LV.poor);
      const own = qcCurve(
        drawn.map((r) => r.structures.LV.assdWithin ?? Infinity),
        poor,
      );
      const position = qcCurve(
        drawn.map((r) => slicePositionScore(r.sliceIndex, r.sliceCount)),
        poor,
      );
      expect(g.qc('LV', 'ASSD_WITHIN', 'auc')(d)).toBeCloseTo(own.auc, 14);
      expect(g.qc('LV', 'ASSD_WITHIN', 'review')(d)).toBe(own.reviewFraction);
      expect(g.qc('LV', 'POSITION', 'auc')(d)).toBeCloseTo(position.auc, 14);
      expect(g.qc('LV', 'POSITION', 'review', 0.2)(d)).toBe(
        qcCurve(
          drawn.map((r) => slicePositionScore(r.sliceIndex, r.sliceCount)),
          poor,
          0.2,
        ).reviewFraction,
      );
      const expected = spearman(
        drawn.map((r) => r.structures.LV.assdWithin),
        drawn.map((r) => r.structures.LV.assd),
      ).rho;
      if (expected === null) expect(rho(d)).toBeNull();
      else expect(rho(d)).toBeCloseTo(expected, 12);
    }
  });

  test('paired difference: per resample on the same subjects, not the difference of intervals', () => {
    const d = r.interval(differenceOf(g1.imageMean('nll'), g2.imageMean('nll')))!;
    // Every slice of m2 has NLL 0.1 higher, so every resample's difference is −0.1 exactly.
    expect(d.interval![0]).toBeCloseTo(-0.1, 12);
    expect(d.interval![1]).toBeCloseTo(-0.1, 12);
    const dice = r.interval(differenceOf(g1.qc('LV', 'ASSD_WITHIN', 'auc'), g2.structureMean('LV', 'dice')))!;
    const [lo, hi] = bruteForce(([a, b]) => (a.length ? qcAuc(a) - meanDiceLV(b) : null), [method1, method2]);
    expect(dice.interval).toEqual([expect.closeTo(lo, 10), expect.closeTo(hi, 10)]);
  });

  test('repeat mean: every repeat on the same drawn subjects', () => {
    const m = r.interval(meanOf([g1.structureMean('LV', 'dice'), g2.structureMean('LV', 'dice')]))!;
    const [lo, hi] = bruteForce(
      ([a, b]) => (a.length ? (meanDiceLV(a) + meanDiceLV(b)) / 2 : null),
      [method1, method2],
    );
    expect(m.interval).toEqual([expect.closeTo(lo, 10), expect.closeTo(hi, 10)]);
  });

  test('two samples (site B − site A): each site resampled with its own seeded draws', () => {
    const siteB = method1.map((s) => ({ ...s, subjectId: `b${s.subjectId}`, nll: s.nll * 2 }));
    const rb = new Resampler(new Map([['b', siteB]]), { seed: SEED + 1, resamples: B });
    const d = twoSampleInterval(rb, rb.of('b')!.imageMean('nll'), r, g1.imageMean('nll'))!;
    const drawsA = [...subjectDraws(3, B, SEED)];
    const drawsB = [...subjectDraws(3, B, SEED + 1)];
    const byId = (rows: SliceValues[], ids: string[], d: number[]) =>
      d.flatMap((i) => rows.filter((x) => x.subjectId === ids[i]));
    const mean = (rows: SliceValues[]) => rows.reduce((a, x) => a + x.nll, 0) / rows.length;
    const values = drawsA.map(
      (da, i) => mean(byId(siteB, ['bs1', 'bs2', 'bs3'], drawsB[i])) - mean(byId(method1, SUBJECTS, da)),
    );
    expect(d.estimate).toBeCloseTo(mean(method1), 12); // 2·mean − mean
    expect(d.interval).toEqual([
      expect.closeTo(quantile(values, 0.025), 10),
      expect.closeTo(quantile(values, 0.975), 10),
    ]);
    expect(d.subjects).toBe(6);
  });
});

describe('report verdicts by interval', () => {
  test('direction: excludes 0 on the paper side, the other side, or contains 0', () => {
    expect(directionVerdict([0.01, 0.03], 'above')).toBe('agrees');
    expect(directionVerdict([-0.03, -0.01], 'above')).toBe('differs');
    expect(directionVerdict([-0.01, 0.02], 'above')).toBe('inconclusive');
    expect(directionVerdict([0, 0.02], 'above')).toBe('inconclusive'); // touches 0: not excluded
    expect(directionVerdict([-0.03, -0.01], 'below')).toBe('agrees');
    expect(directionVerdict([0.01, 0.03], 'below')).toBe('differs');
    expect(directionVerdict(null, 'below')).toBe('inconclusive');
  });

  test('equivalence within ±margin', () => {
    expect(equivalenceVerdict([-0.01, 0.015], 0.02)).toBe('agrees');
    expect(equivalenceVerdict([0.021, 0.05], 0.02)).toBe('differs');
    expect(equivalenceVerdict([-0.06, -0.03], 0.02)).toBe('differs');
    expect(equivalenceVerdict([0.01, 0.03], 0.02)).toBe('inconclusive');
  });

  test('all / any', () => {
    expect(allVerdict(['agrees', 'agrees', 'n/a'])).toBe('agrees');
    expect(allVerdict(['agrees', 'inconclusive'])).toBe('inconclusive');
    expect(allVerdict(['agrees', 'differs', 'inconclusive'])).toBe('differs');
    expect(allVerdict(['n/a'])).toBe('n/a');
    expect(anyVerdict(['differs', 'agrees'])).toBe('agrees');
    expect(anyVerdict(['differs', 'inconclusive'])).toBe('inconclusive');
    expect(anyVerdict(['differs', 'differs'])).toBe('differs');
  });

  test("order: every pair of the paper's ranking by its difference interval", () => {
    const table: Record<string, [number, number]> = {
      'X|Y': [0.01, 0.02],
      'X|Z': [0.02, 0.05],
      'Y|Z': [-0.01, 0.01],
    };
    const asked: string[] = [];
    const r = orderVerdict(['X', 'Y', 'Z'], (a, b) => (asked.push(`${a}|${b}`), table[`${a}|${b}`]), true);
    expect(asked).toEqual(['X|Y', 'X|Z', 'Y|Z']);
    expect(r.pairs.map((p) => p.verdict)).toEqual(['agrees', 'agrees', 'inconclusive']);
    expect(r.verdict).toBe('inconclusive');
    table['Y|Z'] = [-0.03, -0.01];
    expect(orderVerdict(['X', 'Y', 'Z'], (a, b) => table[`${a}|${b}`], true).verdict).toBe('differs');
    expect(orderVerdict(['X', 'Y', 'Z'], (a, b) => table[`${a}|${b}`], false).verdict).toBe('differs');
    table['Y|Z'] = [0.001, 0.01];
    expect(orderVerdict(['X', 'Y', 'Z'], (a, b) => table[`${a}|${b}`], true).verdict).toBe('agrees');
  });
});

describe('findings judged by paired intervals', () => {
  /** Site A only: DE-5 and PLAIN on the hand-made slices, DE-5's Dice `shift` higher on every slice. */
  function data(shift: number): ReportData {
    const de = method1.map((s) => ({
      ...s,
      structures: Object.fromEntries(
        Object.entries(s.structures).map(([k, v]) => [k, { ...v, dice: v.dice + shift }]),
      ) as SliceValues['structures'],
      nll: s.nll - 0.05,
    }));
    const variant = (label: string, id: string, rows: SliceValues[]) => {
      const m = (f: (x: SliceValues) => number) => rows.reduce((a, x) => a + f(x), 0) / rows.length;
      return {
        label,
        repeat: 0,
        training: { run: { id: `t-${id}`, config: {} }, label, repeat: 0, epochs: [], checkpoints: [] },
        siteA: {
          id,
          samples: 5,
          slices: rows.length,
          run: { startedAt: null, finishedAt: null },
          correlations: [],
          qc: { LV: {}, MYO: {}, RV: {} },
          baselines: {},
          row: {
            structures: (['LV', 'MYO', 'RV'] as const).map((st) => ({
              structure: st,
              n: rows.length,
              poorCount: 0,
              undefinedCount: 0,
              dice: m((x) => x.structures[st].dice),
              assd: null,
              hd: null,
            })),
            calibration: { nll: m((x) => x.nll), brier: null, ece: null },
            entropy: null,
            mi: null,
          },
        },
      };
    };
    return {
      plan: { levels: [], kinds: [] },
      labels: ['PLAIN', 'DE-5'],
      repeats: 1,
      variants: [variant('PLAIN', 'p', method1), variant('DE-5', 'd', de)],
      slices: new Map([
        ['p', method1],
        ['d', de],
      ]),
      children: [],
    } as unknown as ReportData;
  }

  test('DE better on every slice agrees; the same Dice is inconclusive', () => {
    const best = (d: ReportData) => findings(d).find((f) => f.topic === 'Site A: best accuracy and calibration')!;
    const better = best(data(0.02));
    expect(better.verdict).toBe('agrees');
    expect(better.ours).toContain('PLAIN: Dice +0.020 [+0.020, +0.020], NLL −0.0500 [−0.0500, −0.0500]');
    expect(better.rule).toContain('excludes 0');
    const same = best(data(0));
    expect(same.verdict).toBe('inconclusive');
    expect(best(data(-0.02)).verdict).toBe('differs');
    expect(findingsTally([better, same])).toBe('1 agree, 0 differ, 1 inconclusive');
  });
});
