import { INTER_OBSERVER_ASSD_MM, isPoorAssd, isPoorSegmentation } from '../../../src/engine/metrics/poor-segmentation';
import {
  qcCurve,
  qcCurveOfSteps,
  randomReviewBaseline,
  slicePositionBaseline,
  slicePositionScore,
  trapezoidArea,
} from '../../../src/engine/metrics/qc-curve';
import { averageRanks, pearson, spearman } from '../../../src/engine/metrics/spearman';

describe('poor segmentation', () => {
  it('uses the inter-observer ASSD thresholds LV 1.17, MYO 1.19, RV 1.88 mm (strictly above is poor)', () => {
    expect(INTER_OBSERVER_ASSD_MM).toEqual({ LV: 1.17, MYO: 1.19, RV: 1.88 });
    expect(isPoorSegmentation({ assdMm: 1.17, status: 'OK' }, 'LV')).toBe(false);
    expect(isPoorSegmentation({ assdMm: 1.171, status: 'OK' }, 'LV')).toBe(true);
    expect(isPoorSegmentation({ assdMm: 1.5, status: 'OK' }, 'RV')).toBe(false);
    expect(isPoorSegmentation({ assdMm: 1.5, status: 'OK' }, 'RV', { LV: 1, MYO: 1, RV: 1 })).toBe(true);
  });

  it('a missed structure is poor; both empty is not', () => {
    expect(isPoorSegmentation({ assdMm: null, status: 'PRED_EMPTY' }, 'MYO')).toBe(true);
    expect(isPoorSegmentation({ assdMm: null, status: 'GT_EMPTY' }, 'MYO')).toBe(true);
    expect(isPoorSegmentation({ assdMm: 0, status: 'BOTH_EMPTY' }, 'MYO')).toBe(false);
    expect(isPoorAssd(null, 10)).toBe(true);
  });
});

describe('QC curve', () => {
  it('by hand, with tied scores flagged together', () => {
    // scores [0.9, 0.5, 0.5, 0.1], poor [T, F, T, F]; N = 4, P = 2
    // (0, 2/4) → flag 0.9 (poor) → (1/4, 1/4) → flag both 0.5 (one poor) → (3/4, 0) → (1, 0)
    // AUC = 0.25·(0.5+0.25)/2 + 0.5·(0.25+0)/2 + 0 = 0.09375 + 0.0625 = 0.15625
    // ≤ 5 % remaining (0.2 poor of 4) first at flagged 3/4
    const c = qcCurve([0.9, 0.5, 0.5, 0.1], [true, false, true, false]);
    expect(c.points).toEqual([
      [0, 0.5],
      [0.25, 0.25],
      [0.75, 0],
      [1, 0],
    ]);
    expect(c.auc).toBeCloseTo(0.15625, 12);
    expect(c.reviewFraction).toBe(0.75);
    expect(c.n).toBe(4);
    expect(c.poor).toBe(2);
  });

  it('from its steps, by hand: the points and AUC of the rows the steps group', () => {
    // Steps [1 (1 poor), 2 (1 poor), 1 (0 poor)] are the example above grouped by score: N = 4, P = 2.
    const c = qcCurveOfSteps([1, 2, 1], new Int32Array([1, 1, 0]));
    expect(c.points).toEqual([
      [0, 0.5],
      [0.25, 0.25],
      [0.75, 0],
      [1, 0],
    ]);
    expect(c.auc).toBeCloseTo(0.15625, 12);
    expect([c.n, c.poor]).toEqual([4, 2]);
    expect(() => qcCurveOfSteps([1, 2], [1])).toThrow(RangeError);
  });

  it('order of input does not matter; all-tied scores make one step', () => {
    const c = qcCurve([1, 1, 1], [true, false, false]);
    expect(c.points).toEqual([
      [0, 1 / 3],
      [1, 0],
    ]);
    expect(c.auc).toBeCloseTo(1 / 6, 12);
    expect(c.reviewFraction).toBe(1);
  });

  it('needs no review when the poor fraction already meets the target', () => {
    // 1 poor of 20 = 5 % ≤ 5 %
    const poor = Array.from({ length: 20 }, (_, i) => i === 3);
    const c = qcCurve(
      Array.from({ length: 20 }, (_, i) => i),
      poor,
    );
    expect(c.reviewFraction).toBe(0);
    expect(c.points[0]).toEqual([0, 0.05]);
    expect(qcCurve([1, 2], [false, false]).auc).toBe(0);
  });

  it('honours another target', () => {
    // scores descending 4,3,2,1 with poor [T,T,F,T]: remaining 3/4 → 2/4 → 1/4 → 1/4 → 0
    const c = qcCurve([4, 3, 2, 1], [true, true, false, true], 0.3);
    expect(c.reviewFraction).toBe(0.5);
  });

  it('random-review baseline is the line (0, P/N) → (1, 0)', () => {
    // N = 4, P = 2: AUC = 0.25; review fraction = 1 − 0.05·4/2 = 0.9
    const r = randomReviewBaseline(4, 2);
    expect(r.points).toEqual([
      [0, 0.5],
      [1, 0],
    ]);
    expect(r.auc).toBe(0.25);
    expect(r.reviewFraction).toBeCloseTo(0.9, 12);
    expect(trapezoidArea(r.points)).toBe(0.25);
  });

  it('slice-position heuristic flags the most basal and most apical slices first', () => {
    expect([0, 1, 2, 3, 4].map((i) => slicePositionScore(i, 5))).toEqual([-0, -1, -2, -1, -0]);
    // two stacks of 4: poor at the ends of stack 1 and at the middle of stack 2
    // ends (4 slices, 2 poor) first → (4/8, 1/8), then the rest → (1, 0)
    const c = slicePositionBaseline(
      [0, 1, 2, 3, 0, 1, 2, 3],
      [4, 4, 4, 4, 4, 4, 4, 4],
      [true, false, false, true, false, true, false, false],
    );
    expect(c.points).toEqual([
      [0, 3 / 8],
      [0.5, 1 / 8],
      [1, 0],
    ]);
  });
});

describe('Spearman rank correlation', () => {
  it('average ranks for ties', () => {
    expect(Array.from(averageRanks([10, 20, 20, 30]))).toEqual([1, 2.5, 2.5, 4]);
    expect(Array.from(averageRanks([5, 5, 5]))).toEqual([2, 2, 2]);
    expect(Array.from(averageRanks([3, 1, 2]))).toEqual([3, 1, 2]);
  });

  it('by hand with ties', () => {
    // x = [1,2,2,3] → ranks [1,2.5,2.5,4]; y = [1,3,2,4] → ranks [1,3,2,4]; means 2.5
    // dx = [−1.5,0,0,1.5], dy = [−1.5,.5,−.5,1.5]: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5
    // ρ = 4.5/√22.5 = 3/√10 = 0.9486832981
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toEqual({ rho: expect.closeTo(0.9486832981, 9), n: 4 });
  });

  it('is ±1 for monotone relations and drops undefined pairs', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64]).rho).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3], [3, 2, 1]).rho).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, null, 4, 5], [2, 4, 1, 8, NaN])).toEqual({ rho: expect.closeTo(1, 12), n: 3 });
    expect(spearman([1], [2])).toEqual({ rho: null, n: 1 });
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});
