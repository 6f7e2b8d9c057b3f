/**
 * What a QC policy promises (docs/design.md "QC policy"): a threshold per rule chosen on labelled
 * cases, and the review fraction and poor fraction left of the combined policy, each with a
 * subject-bootstrap 95 % interval.
 *
 * Cases are slices, each with its subject and, per rule r (structure S_r, measure M_r), its score
 * u_r (qc-policy.ts qcScore) and whether it is poor in S_r (p_r). Each threshold t_r is chosen on
 * (u_r, p_r) alone: `qcThreshold` for a POOR_LEFT target, `budgetThreshold` for a REVIEW_BUDGET one.
 * The combined policy flags a case when any rule does (u_r ≥ t_r); a case counts as poor when it is
 * poor in any rule's structure. Over the N cases:
 *
 *   review fraction = flagged cases / N,   poor left = poor cases not flagged / N.
 *
 * With one rule these are the threshold's own figures. Several rules are each chosen for the target
 * on their own, so the combined review fraction can exceed a budget and the combined poor left can
 * exceed a poor-left target (poor in another rule's structure); the stored figures say so.
 *
 * Intervals: the subject bootstrap (statistics/bootstrap.ts: S subjects drawn with replacement, B
 * resamples, seeded, type-7 percentiles at 2.5 % and 97.5 %) with the thresholds held FIXED: every
 * resample re-counts the two fractions among its cases. Both statistics read the same draws. The
 * thresholds are not re-chosen per resample, so the interval is of what this policy does on data
 * like the evaluation's, not of the selection procedure.
 */
import type { Structure } from '../data/types';
import { type BootstrapInterval, groupBySubject, subjectBootstrap } from '../statistics/bootstrap';
import { budgetThreshold, flagsScore, type QcMeasure, type QcRule, qcThreshold } from './qc-policy';

export type PolicyTargetKind = 'POOR_LEFT' | 'REVIEW_BUDGET';

export interface PolicyCase {
  subject: string;
  /** u_r per rule, in rule order. */
  scores: readonly number[];
  /** p_r per rule, in rule order. */
  poor: readonly boolean[];
}

export interface PolicyRuleRequest {
  structure: Structure;
  measure: QcMeasure;
}

export interface ChosenRule extends QcRule {
  /** The rule's own figures on the cases (as `qcThreshold` reports them). */
  reviewFraction: number;
  poorLeft: number;
}

export interface PolicyPromise {
  rules: ChosenRule[];
  cases: number;
  subjects: number;
  /** Of the combined policy; estimate never null (N ≥ 1). */
  reviewFraction: BootstrapInterval;
  poorLeft: BootstrapInterval;
}

interface Counted {
  flagged: boolean;
  poor: boolean;
}

const fraction =
  (pick: (c: Counted) => boolean) =>
  (cases: readonly Counted[]): number =>
    cases.filter(pick).length / cases.length;

/** Thresholds for the target and the combined policy's promise with its bootstrap intervals. */
export function choosePolicy(
  rules: readonly PolicyRuleRequest[],
  cases: readonly PolicyCase[],
  target: { kind: PolicyTargetKind; value: number },
  bootstrap: { seed: number; resamples: number },
): PolicyPromise {
  if (rules.length === 0) throw new RangeError('a policy needs at least one rule');
  if (cases.length === 0) throw new RangeError('a policy needs at least one case');
  for (const c of cases)
    if (c.scores.length !== rules.length || c.poor.length !== rules.length)
      throw new RangeError(`every case needs one score and one poor flag per rule (${rules.length})`);
  const choose = target.kind === 'POOR_LEFT' ? qcThreshold : budgetThreshold;
  const chosen = rules.map((rule, r) => {
    const t = choose(
      cases.map((c) => c.scores[r]),
      cases.map((c) => c.poor[r]),
      target.value,
    );
    return { ...rule, threshold: t.threshold, reviewFraction: t.reviewFraction, poorLeft: t.poorLeft };
  });
  const counted = cases.map((c) => ({
    subject: c.subject,
    flagged: chosen.some((rule, r) => flagsScore(c.scores[r], rule.threshold)),
    poor: c.poor.some(Boolean),
  }));
  const groups = groupBySubject(counted, (c) => c.subject);
  const options = { seed: bootstrap.seed, resamples: bootstrap.resamples };
  return {
    rules: chosen,
    cases: cases.length,
    subjects: groups.length,
    reviewFraction: subjectBootstrap(
      groups,
      fraction((c) => c.flagged),
      options,
    ),
    poorLeft: subjectBootstrap(
      groups,
      fraction((c) => c.poor && !c.flagged),
      options,
    ),
  };
}
