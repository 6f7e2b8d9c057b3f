/**
 * QC policy thresholds (docs/design.md "Definitions" → "QC policy"): the uncertainty value a policy
 * rule flags by, chosen on labelled data so that the QC curve's promise holds.
 *
 * Given N cases with uncertainty scores u_i (higher = review first, the curve's score: entropy, MI,
 * 1 − Dice_within, ASSD_within with undefined = +∞) and poor flags, and a target x (the poor fraction
 * left, as a fraction of all N cases): the threshold t is the largest score such that flagging every
 * case with u ≥ t leaves at most x·N poor cases unflagged — the smallest such flagged set, since the
 * sets {u ≥ t} grow as t falls. Cases with equal scores are flagged together, exactly as qc-curve.ts
 * steps through them, with the same 1e-9 slack on the count, so the fraction of cases with u ≥ t is
 * the curve's review fraction for x (`qcCurve(...).reviewFraction`).
 *
 * Edge cases: when P/N ≤ x already, nothing needs flagging and the threshold is null ("flag
 * nothing", t = +∞ in the limit; JSON has no Infinity), with review fraction 0. When every case must
 * be flagged, t = min u. A finite threshold is always one of the scores; t = +∞ (flag only the
 * undefined ASSD_within scores) is a real threshold, distinct from null.
 *
 * Applying a rule: a case is flagged when its score u ≥ t (never when t is null).
 */

/** Measures a rule can flag by; the names of the QC curves' measures. */
export type QcMeasure = 'ENTROPY' | 'MI' | 'DICE_WITHIN' | 'ASSD_WITHIN';

/** The same 1e-9 slack on the remaining poor count as qc-curve.ts. */
const SLACK = 1e-9;

export interface QcThreshold {
  /** Flag u ≥ threshold; null = flag nothing. */
  threshold: number | null;
  target: number;
  /** Fraction of the N cases with u ≥ threshold. */
  reviewFraction: number;
  /** Poor cases left unflagged, as a fraction of all N. */
  poorLeft: number;
  n: number;
  poor: number;
}

/** Threshold for poor fraction left ≤ target; scores must not be NaN, target in [0, 1]. */
export function qcThreshold(scores: ArrayLike<number>, poor: ArrayLike<boolean>, target: number): QcThreshold {
  const n = scores.length;
  if (n === 0 || poor.length !== n)
    throw new RangeError(`need equal, non-zero numbers of scores and flags (${n}, ${poor.length})`);
  if (!(target >= 0 && target <= 1)) throw new RangeError(`target ${target} must lie in [0, 1]`);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
  let remaining = 0;
  for (let i = 0; i < n; i++) if (poor[i]) remaining++;
  const totalPoor = remaining;
  const done = (): boolean => remaining <= target * n + SLACK;
  if (done()) return { threshold: null, target, reviewFraction: 0, poorLeft: totalPoor / n, n, poor: totalPoor };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let flagged = 0;
  for (let i = 0; ;) {
    const s = scores[order[i]];
    while (i < n && scores[order[i]] === s) {
      if (poor[order[i]]) remaining--;
      flagged++;
      i++;
    }
    // Everything flagged leaves 0 poor, so the loop ends by i = n at the latest.
    if (done() || i === n)
      return { threshold: s, target, reviewFraction: flagged / n, poorLeft: remaining / n, n, poor: totalPoor };
  }
}

/** Whether a rule with this threshold flags a case with score u. */
export function flagsScore(u: number, threshold: number | null): boolean {
  return threshold !== null && u >= threshold;
}

/** A slice's per-structure values a rule reads. */
export interface QcValues {
  /** Image means, nats. */
  entropy: number;
  mi: number;
  diceWithin: number;
  /** null where undefined for every sample. */
  assdWithinMm: number | null;
}

/** The QC curve's score of a measure (docs/design.md "Quality control" → "Uncertainty score"). */
export function qcScore(measure: QcMeasure, v: QcValues): number {
  switch (measure) {
    case 'ENTROPY':
      return v.entropy;
    case 'MI':
      return v.mi;
    case 'DICE_WITHIN':
      return 1 - v.diceWithin;
    case 'ASSD_WITHIN':
      return v.assdWithinMm ?? Infinity;
  }
}
