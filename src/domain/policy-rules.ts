/**
 * `Policy.rules` and `InferenceSlice.decisions` as stored (docs/design.md "QC policy"): JSON has no
 * Infinity, so a +∞ threshold or value (an undefined ASSD_within, ranked first) is stored as the
 * string "Infinity"; null is a threshold that flags nothing. These schemas read the rows back into
 * numbers, and `storedNumber` writes them.
 */
import { z } from 'zod';
import type { QcRule, RuleDecision } from '../engine/metrics/qc-policy';
import { STRUCTURES, UNCERTAINTY_MEASURES } from './constants';
import { parseStored } from './stored-data';

const number = z.union([z.number(), z.literal('Infinity').transform(() => Infinity)]);

const StoredRule = z.object({
  structure: z.enum(STRUCTURES as ['LV', 'MYO', 'RV']),
  measure: z.enum(UNCERTAINTY_MEASURES),
  threshold: number.nullable(),
});

export const StoredRules = z.array(StoredRule).min(1);
export const StoredDecisions = z.array(StoredRule.extend({ value: number, flagged: z.boolean() }));

/** A number for a JSON column: +∞ as "Infinity" (the only non-finite value our measures give). */
export const storedNumber = (x: number): number | 'Infinity' => (x === Infinity ? 'Infinity' : x);

export function storedRules(rules: readonly QcRule[]) {
  return rules.map((r) => ({
    structure: r.structure,
    measure: r.measure,
    threshold: r.threshold === null ? null : storedNumber(r.threshold),
  }));
}

export function storedDecisions(decisions: readonly RuleDecision[]) {
  return decisions.map((d) => ({ ...storedRules([d])[0], value: storedNumber(d.value), flagged: d.flagged }));
}

export function policyRules(policy: { id: string; rules: unknown }): QcRule[] {
  return parseStored(StoredRules, policy.rules, `policy ${policy.id} (rules)`);
}

export function sliceDecisions(slice: { id: string; decisions: unknown }): RuleDecision[] | null {
  if (slice.decisions === null) return null;
  return parseStored(StoredDecisions, slice.decisions, `inference slice ${slice.id} (decisions)`);
}
