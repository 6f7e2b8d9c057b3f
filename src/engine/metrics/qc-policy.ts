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
 * Review-budget target (`budgetThreshold`): given a budget b (the largest fraction of the N cases
 * a reviewer will look at), t is the smallest score such that flagging every case with u ≥ t
 * flags at most b·N cases (the same 1e-9 slack) — the largest flagged set within the budget, since
 * the sets {u ≥ t} grow as t falls. Ties are flagged together, so a group of equal scores that
 * would overrun the budget is left out whole and the review fraction may fall short of b. When
 * even the highest group overruns it (or b = 0), the threshold is null (flag nothing); b = 1
 * flags everything (t = min u). The review fraction and poor left are reported as for a
 * poor-left target.
 *
 * Applying a rule: a case is flagged when its score u ≥ t (never when t is null). A policy of
 * several rules flags a case when any rule flags it (`decideRules`).
 */

import type { Structure } from '../data/types';

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

/** One step of the curve: a group of equal scores, with the cumulative counts after flagging it. */
interface ScoreGroup {
  score: number;
  /** Cases with u ≥ score. */
  flagged: number;
  /** Poor cases among them. */
  poorFlagged: number;
}

function checkCases(scores: ArrayLike<number>, poor: ArrayLike<boolean>, target: number): number {
  const n = scores.length;
  if (n === 0 || poor.length !== n)
    throw new RangeError(`need equal, non-zero numbers of scores and flags (${n}, ${poor.length})`);
  if (!(target >= 0 && target <= 1)) throw new RangeError(`target ${target} must lie in [0, 1]`);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
  return n;
}

/** The groups of equal scores in descending order, as qc-curve.ts steps through them. */
function* descendingGroups(scores: ArrayLike<number>, poor: ArrayLike<boolean>): Generator<ScoreGroup> {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let flagged = 0;
  let poorFlagged = 0;
  for (let i = 0; i < n;) {
    const s = scores[order[i]];
    while (i < n && scores[order[i]] === s) {
      if (poor[order[i]]) poorFlagged++;
      flagged++;
      i++;
    }
    yield { score: s, flagged, poorFlagged };
  }
}

function countPoor(poor: ArrayLike<boolean>): number {
  let p = 0;
  for (let i = 0; i < poor.length; i++) if (poor[i]) p++;
  return p;
}

/** Threshold for poor fraction left ≤ target; scores must not be NaN, target in [0, 1]. */
export function qcThreshold(scores: ArrayLike<number>, poor: ArrayLike<boolean>, target: number): QcThreshold {
  const n = checkCases(scores, poor, target);
  const totalPoor = countPoor(poor);
  const reached = (remaining: number): boolean => remaining <= target * n + SLACK;
  if (reached(totalPoor))
    return { threshold: null, target, reviewFraction: 0, poorLeft: totalPoor / n, n, poor: totalPoor };
  // Everything flagged leaves 0 poor, so the last group always reaches the target.
  for (const g of descendingGroups(scores, poor)) {
    if (reached(totalPoor - g.poorFlagged) || g.flagged === n)
      return {
        threshold: g.score,
        target,
        reviewFraction: g.flagged / n,
        poorLeft: (totalPoor - g.poorFlagged) / n,
        n,
        poor: totalPoor,
      };
  }
  throw new Error('unreachable: the last group flags every case');
}

/** Threshold for review fraction ≤ budget (`target`, in [0, 1]); scores must not be NaN. */
export function budgetThreshold(scores: ArrayLike<number>, poor: ArrayLike<boolean>, budget: number): QcThreshold {
  const n = checkCases(scores, poor, budget);
  const totalPoor = countPoor(poor);
  let best: QcThreshold = {
    threshold: null,
    target: budget,
    reviewFraction: 0,
    poorLeft: totalPoor / n,
    n,
    poor: totalPoor,
  };
  for (const g of descendingGroups(scores, poor)) {
    if (g.flagged > budget * n + SLACK) break;
    best = {
      threshold: g.score,
      target: budget,
      reviewFraction: g.flagged / n,
      poorLeft: (totalPoor - g.poorFlagged) / n,
      n,
      poor: totalPoor,
    };
  }
  return best;
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

/** A rule with its threshold, as a policy stores it. */
export interface QcRule {
  structure: Structure;
  measure: QcMeasure;
  /** null = flag nothing. */
  threshold: number | null;
}

/** What one rule decided for one case: the score it read, the threshold, and whether it flagged. */
export interface RuleDecision extends QcRule {
  /** The score u (+∞ for an undefined ASSD_within; JSON writers turn it into null). */
  value: number;
  flagged: boolean;
}

/**
 * Every rule's decision for one case, in rule order; the case is flagged when any rule flags it.
 * `valuesOf(structure)` gives the case's values for a rule's structure.
 */
export function decideRules(
  rules: readonly QcRule[],
  valuesOf: (structure: Structure) => QcValues,
): { flagged: boolean; decisions: RuleDecision[] } {
  const decisions = rules.map((rule) => {
    const value = qcScore(rule.measure, valuesOf(rule.structure));
    return { ...rule, value, flagged: flagsScore(value, rule.threshold) };
  });
  return { flagged: decisions.some((d) => d.flagged), decisions };
}
