/**
 * AUROC of an uncertainty score for detecting poor segmentations (docs/design.md "Definitions" →
 * "Failure detection"): the Mann–Whitney probability that a poor case scores higher than a good
 * one, ties counted half,
 *
 *   AUROC = (Σ_{poor i} R_i − P(P + 1)/2) / (P·Q)
 *
 * with R the average ranks (1-based, ties → mean rank; spearman.ts) of all N = P + Q scores. null
 * when either class is empty.
 */
import { averageRanks } from './spearman';

export function failureAuroc(uncertainty: ArrayLike<number>, poor: ArrayLike<boolean>): number | null {
  const n = uncertainty.length;
  if (poor.length !== n) throw new RangeError(`length mismatch ${n} vs ${poor.length}`);
  const ranks = averageRanks(uncertainty);
  let p = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (!poor[i]) continue;
    p++;
    rankSum += ranks[i];
  }
  const q = n - p;
  if (p === 0 || q === 0) return null;
  return (rankSum - (p * (p + 1)) / 2) / (p * q);
}
