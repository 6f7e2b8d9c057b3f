/**
 * Interval coverage (docs/design.md "Definitions" → "Clinical biomarkers"): the fraction of
 * subjects whose ground-truth value lies inside their 95 % posterior interval [q_0.025, q_0.975],
 * bounds included. A calibrated method covers ≈ 95 %; a narrow, overconfident one much less.
 * Subjects without an interval or a ground-truth value are left out and counted; coverage is null
 * when none is left.
 */

export interface Interval {
  q025: number;
  q975: number;
}

export interface IntervalCoverage {
  n: number;
  covered: number;
  coverage: number | null;
  undefinedCount: number;
}

export function intervalCoverage(
  intervals: ReadonlyArray<Interval | null>,
  truth: ReadonlyArray<number | null>,
): IntervalCoverage {
  if (intervals.length !== truth.length) throw new RangeError(`length mismatch ${intervals.length} vs ${truth.length}`);
  let n = 0;
  let covered = 0;
  for (let i = 0; i < truth.length; i++) {
    const iv = intervals[i];
    const t = truth[i];
    if (iv === null || t === null) continue;
    n++;
    if (t >= iv.q025 && t <= iv.q975) covered++;
  }
  return { n, covered, coverage: n === 0 ? null : covered / n, undefinedCount: truth.length - n };
}
