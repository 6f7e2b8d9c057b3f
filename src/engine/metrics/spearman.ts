/**
 * Spearman rank correlation (paper "Correlations between Uncertainty and Segmentation Accuracy";
 * docs/design.md "Definitions"): the Pearson correlation of the ranks, with tied values given the
 * average of the ranks they span (ranks 1..n). Pairs where either value is null or not finite
 * (e.g. an undefined ASSD) are dropped, and the result says how many pairs it kept; ρ is null for
 * fewer than 2 pairs or when either side is constant.
 */

/**
 * Average ranks (1-based, ties → mean rank): a value with `below` values under it and `equal`
 * values equal to it (itself included) spans ranks below + 1 … below + equal, mean below + (equal + 1)/2.
 * Counted by binary search in a natively sorted copy (no comparator calls: the report's bootstrap
 * ranks every resample).
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = values[i];
  sorted.sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const below = lo;
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = (below + 1 + lo) / 2; // mean of ranks below + 1 … lo
  }
  return ranks;
}

/** Pearson correlation; null when n < 2 or a side has zero variance. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

export interface SpearmanResult {
  rho: number | null;
  /** Pairs kept (both values finite). */
  n: number;
}

export function spearman(x: ArrayLike<number | null>, y: ArrayLike<number | null>): SpearmanResult {
  if (x.length !== y.length) throw new RangeError(`length mismatch ${x.length} vs ${y.length}`);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    xs.push(a);
    ys.push(b);
  }
  return { rho: pearson(averageRanks(xs), averageRanks(ys)), n: xs.length };
}
