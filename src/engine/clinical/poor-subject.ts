/**
 * Poor subject for the subject-level QC curve (docs/design.md "Definitions" → "Clinical
 * biomarkers"): the predicted EF misses the ground truth by more than `tolerance` (default 0.05,
 * 5 EF points): |EF_pred − EF_gt| > tolerance, a difference within 1e-9 of the tolerance counting
 * as equal (0.55 − 0.50 is 0.05000000000000004 in floating point). A predicted EF that is undefined (EDV = 0) while the
 * ground truth's exists is poor; with no ground-truth EF the subject cannot be judged (null).
 * The curve itself is the slice-level one (metrics/qc-curve.ts) over subjects, the EF interval
 * width as the uncertainty score.
 */

export const DEFAULT_POOR_EF_TOLERANCE = 0.05;
const SLACK = 1e-9;

export function isPoorSubject(
  efPredicted: number | null,
  efTruth: number | null,
  tolerance = DEFAULT_POOR_EF_TOLERANCE,
): boolean | null {
  if (!(tolerance >= 0)) throw new RangeError(`EF tolerance must be ≥ 0, got ${tolerance}`);
  if (efTruth === null) return null;
  if (efPredicted === null) return true;
  return Math.abs(efPredicted - efTruth) > tolerance + SLACK;
}
