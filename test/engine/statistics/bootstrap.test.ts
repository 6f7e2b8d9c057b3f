/**
 * The subject bootstrap: deterministic for a seed; the exact percentile interval when the draws
 * enumerate all 27 equally likely resamples of 3 subjects (by hand); seeded draws reproduce that
 * bootstrap distribution; a subject's slices are never split; undefined resample statistics counted.
 */
import {
  bootstrapOver,
  groupBySubject,
  subjectBootstrap,
  subjectDraws,
} from '../../../src/engine/statistics/bootstrap';

const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

describe('subject bootstrap', () => {
  it('is deterministic for a seed and changes with it', () => {
    const groups = [[0.1, 0.2], [0.5], [0.9, 0.7, 0.8], [0.3]];
    const a = subjectBootstrap(groups, mean, { seed: 7, resamples: 200 });
    const b = subjectBootstrap(groups, mean, { seed: 7, resamples: 200 });
    const c = subjectBootstrap(groups, mean, { seed: 8, resamples: 200 });
    expect(a).toEqual(b);
    expect(c.interval).not.toEqual(a.interval);
    expect(a.estimate).toBeCloseTo(3.5 / 7, 12);
    expect(a).toMatchObject({ resamples: 200, undefinedResamples: 0, subjects: 4 });
  });

  it('over all 27 resamples of 3 one-case subjects gives the exact percentile interval', () => {
    // values 0, 1, 2; resample sums 0..6 occur 1, 3, 6, 7, 6, 3, 1 times of 27; means sorted
    // v_0 = 0, v_1 = 1/3, …, v_25 = 5/3, v_26 = 2. Type 7: h = 26·.025 = .65 → 0 + .65·(1/3);
    // h = 26·.975 = 25.35 → 5/3 + .35·(2 − 5/3)
    const all: number[][] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) all.push([i, j, k]);
    const r = bootstrapOver([[0], [1], [2]], mean, all);
    expect(r.estimate).toBe(1);
    expect(r.interval![0]).toBeCloseTo(0.65 / 3, 12);
    expect(r.interval![1]).toBeCloseTo(5 / 3 + 0.35 / 3, 12);
    expect(r.resamples).toBe(27);
  });

  it('seeded draws follow that distribution: each subject uniform and independent', () => {
    const counts = new Array(7).fill(0);
    const B = 27000;
    for (const d of subjectDraws(3, B, 'uniform')) counts[d[0] + d[1] + d[2]]++;
    [1, 3, 6, 7, 6, 3, 1].forEach((k, s) => {
      const p = k / 27;
      expect(Math.abs(counts[s] - B * p)).toBeLessThan(5 * Math.sqrt(B * p * (1 - p)));
    });
  });

  it("keeps a subject's slices together", () => {
    interface Slice {
      subject: string;
      z: number;
    }
    const sizes: Record<string, number> = { a: 3, b: 1, c: 2, d: 4 };
    const cases: Slice[] = Object.entries(sizes).flatMap(([subject, n]) =>
      Array.from({ length: n }, (_, z) => ({ subject, z })),
    );
    const groups = groupBySubject(cases, (c) => c.subject);
    expect(groups.map((g) => g.length)).toEqual([3, 1, 2, 4]);
    // 1 when every subject appears as whole runs z = 0..n−1, 0 when one is split
    const whole = (xs: readonly Slice[]) => {
      for (let i = 0; i < xs.length;) {
        const n = sizes[xs[i].subject];
        for (let z = 0; z < n; z++, i++) if (xs[i]?.subject !== xs[i - z].subject || xs[i].z !== z) return 0;
      }
      return 1;
    };
    const r = subjectBootstrap(groups, whole, { seed: 1, resamples: 500 });
    expect(r.interval).toEqual([1, 1]);
    // the detector does see a split: the same cases resampled one slice at a time
    const perSlice = bootstrapOver(
      cases.map((c) => [c]),
      whole,
      subjectDraws(cases.length, 50, 1),
    );
    expect(perSlice.interval![0]).toBe(0);
  });

  it('counts resamples where the statistic is undefined and leaves them out', () => {
    // the mean, undefined (null) on a resample that draws no subject with a poor case
    const groups = [[1], [0], [0], [0]];
    const onlyIfPoor = (xs: readonly number[]) => (xs.some((x) => x === 1) ? mean(xs) : null);
    const r = subjectBootstrap(groups, onlyIfPoor, { seed: 3, resamples: 400 });
    // P(subject 0 never drawn) = (3/4)^4 ≈ 0.316 → about 127 of 400
    expect(r.undefinedResamples).toBeGreaterThan(80);
    expect(r.undefinedResamples).toBeLessThan(180);
    expect(r.interval![0]).toBeGreaterThan(0);
    const none = subjectBootstrap([[0], [0]], onlyIfPoor, { seed: 3, resamples: 10 });
    expect(none).toMatchObject({ estimate: null, interval: null, undefinedResamples: 10 });
  });

  it('refuses no subjects and a bad resample count', () => {
    expect(() => subjectBootstrap([], mean, { seed: 1 })).toThrow(RangeError);
    expect(() => subjectBootstrap([[1]], mean, { seed: 1, resamples: 0 })).toThrow(RangeError);
  });
});
