/**
 * Segmentation quality-control curves (paper "Uncertainty for Segmentation Quality Control";
 * docs/design.md "Definitions"). N segmentations, P of them poor (poor-segmentation.ts), each with an
 * uncertainty score. Segmentations are flagged for review in descending score; equal scores are
 * flagged together (one step). After each step the curve has the point
 *
 *   (flagged fraction, poor fraction remaining) = (F / N, (P − poor flagged) / N)
 *
 * starting at (0, P/N) (nothing flagged) and ending at (1, 0) (all flagged).
 *   AUC: trapezoid rule over the points (smaller is better).
 *   Review fraction for a target (default 5 %): flagged fraction of the first point whose poor
 *   fraction remaining is ≤ target (no interpolation between steps).
 * Baselines on the same axes:
 *   - random review: expected remaining (P/N)(1 − f), the straight line (0, P/N) → (1, 0); AUC
 *     P/(2N); review fraction max(0, 1 − target·N/P).
 *   - slice position: most basal and most apical slices first, then the second-most, … (paper):
 *     score = −min(i, n − 1 − i) for slice index i of n (0 = base), fed to the same curve, so the
 *     k-th slices from both ends of every stack are flagged together.
 */

export const DEFAULT_REVIEW_TARGET = 0.05;

export interface QcCurve {
  /** [flagged fraction, poor fraction remaining], from [0, P/N] to [1, 0]. */
  points: Array<[number, number]>;
  auc: number;
  /** Review fraction needed to reach ≤ target poor remaining. */
  reviewFraction: number;
  target: number;
  n: number;
  poor: number;
}

/** Trapezoid area under a polyline given as [x, y] points in increasing x. */
export function trapezoidArea(points: ReadonlyArray<readonly [number, number]>): number {
  let a = 0;
  for (let i = 1; i < points.length; i++) {
    a += ((points[i][0] - points[i - 1][0]) * (points[i][1] + points[i - 1][1])) / 2;
  }
  return a;
}

/**
 * The curve's points and AUC from its steps in review order: step k flags `count[k]` segmentations,
 * `poorCount[k]` of them poor (the store groups rows by score in SQL and sends only these).
 */
export function qcCurveOfSteps(
  count: ArrayLike<number>,
  poorCount: ArrayLike<number>,
): Pick<QcCurve, 'points' | 'auc' | 'n' | 'poor'> {
  if (count.length !== poorCount.length)
    throw new RangeError(`need one poor count per step (${count.length} steps, ${poorCount.length} poor counts)`);
  let n = 0;
  let totalPoor = 0;
  for (let k = 0; k < count.length; k++) {
    n += count[k];
    totalPoor += poorCount[k];
  }
  const points: Array<[number, number]> = [[0, totalPoor / n]];
  let flagged = 0;
  let poorFlagged = 0;
  for (let k = 0; k < count.length; k++) {
    flagged += count[k];
    poorFlagged += poorCount[k];
    points.push([flagged / n, (totalPoor - poorFlagged) / n]);
  }
  return { points, auc: trapezoidArea(points), n, poor: totalPoor };
}

/** QC curve of uncertainty `scores` (finite) against `poor` flags, same length ≥ 1. */
export function qcCurve(
  scores: ArrayLike<number>,
  poor: ArrayLike<boolean>,
  target: number = DEFAULT_REVIEW_TARGET,
): QcCurve {
  const n = scores.length;
  if (n === 0 || poor.length !== n)
    throw new RangeError(`need equal, non-zero numbers of scores and flags (${n}, ${poor.length})`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const count: number[] = [];
  const poorCount: number[] = [];
  for (let i = 0; i < n;) {
    const s = scores[order[i]];
    let c = 0;
    let pc = 0;
    for (; i < n && scores[order[i]] === s; i++, c++) if (poor[order[i]]) pc++;
    count.push(c);
    poorCount.push(pc);
  }
  const curve = qcCurveOfSteps(count, poorCount);
  // Counted, not read off the points: the target is compared with whole segmentations remaining.
  const reached = (remaining: number) => remaining <= target * n + 1e-9;
  let reviewFraction = 0;
  if (!reached(curve.poor)) {
    let flagged = 0;
    let remaining = curve.poor;
    for (let k = 0; k < count.length; k++) {
      flagged += count[k];
      remaining -= poorCount[k];
      if (reached(remaining)) {
        reviewFraction = flagged / n;
        break;
      }
    }
  }
  return { ...curve, reviewFraction, target };
}

/** Expected curve of reviewing in random order. */
export function randomReviewBaseline(n: number, poorCount: number, target: number = DEFAULT_REVIEW_TARGET): QcCurve {
  const points: Array<[number, number]> = [
    [0, poorCount / n],
    [1, 0],
  ];
  const reviewFraction = poorCount <= target * n ? 0 : 1 - (target * n) / poorCount;
  return { points, auc: poorCount / (2 * n), reviewFraction, target, n, poor: poorCount };
}

/** Slice-position heuristic score: higher for slices nearer either end of the stack. */
export function slicePositionScore(sliceIndex: number, sliceCount: number): number {
  return -Math.min(sliceIndex, sliceCount - 1 - sliceIndex);
}

/** QC curve of the slice-position heuristic. */
export function slicePositionBaseline(
  sliceIndex: ArrayLike<number>,
  sliceCount: ArrayLike<number>,
  poor: ArrayLike<boolean>,
  target: number = DEFAULT_REVIEW_TARGET,
): QcCurve {
  const scores = Array.from({ length: sliceIndex.length }, (_, i) => slicePositionScore(sliceIndex[i], sliceCount[i]));
  return qcCurve(scores, poor, target);
}

/**
 * Review fraction of a QC curve for a target: the flagged fraction of the first curve point with
 * at most `target` poor remaining (no interpolation between steps, as `qcCurve` does).
 */
export function reviewFractionAt(points: ReadonlyArray<readonly [number, number]>, target: number): number {
  const slack = 1e-9;
  for (const [flagged, remaining] of points) if (remaining <= target + slack) return flagged;
  return 1;
}

/**
 * The points of a curve sent for drawing, at most `maxPoints` (≥ 2): all of them when they fit;
 * otherwise the start point and, with the flagged axis (0, 1] cut into maxPoints − 1 equal bins, the
 * last point of each bin (so (1, 0) is kept). The rule store/qc-curve-sql.ts applies in SQL.
 */
export function thinCurvePoints(
  points: ReadonlyArray<readonly [number, number]>,
  maxPoints: number,
): Array<readonly [number, number]> {
  if (points.length <= maxPoints) return [...points];
  const binOf = (x: number) => Math.min(Math.floor(x * (maxPoints - 1)), maxPoints - 2);
  return points.filter((p, k) => k === 0 || k === points.length - 1 || binOf(points[k + 1][0]) !== binOf(p[0]));
}
