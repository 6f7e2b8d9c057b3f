/**
 * `Policy.rules` and `InferenceSlice.decisions` as stored (docs/design.md "QC policy"). Thresholds
 * and values are stored as their shortest round-trip text (String(x)), not as JSON numbers: a
 * JSON number loses its last digit on the way through the driver adapter (as number[] parameters
 * do, store/write-shard.ts), and a threshold one ulp off no longer flags the case it was chosen at.
 * The text also carries +∞ ("Infinity", an undefined ASSD_within ranked first), which JSON cannot;
 * null is a threshold that flags nothing. These schemas read either form back into numbers, and
 * `storedNumber` writes them.
 */
import { z } from 'zod';
import type { QcRule, RuleDecision } from '../engine/metrics/qc-policy';
import { STRUCTURES, UNCERTAINTY_MEASURES } from './constants';
import { parseStored } from './stored-data';

const number = z.union([
  z.number(),
  z
    .string()
    .transform(Number)
    .refine((x) => !Number.isNaN(x), 'not a number'),
]);

const StoredRule = z.object({
  structure: z.enum(STRUCTURES as ['LV', 'MYO', 'RV']),
  measure: z.enum(UNCERTAINTY_MEASURES),
  threshold: number.nullable(),
});

export const StoredRules = z.array(StoredRule).min(1);
export const StoredDecisions = z.array(StoredRule.extend({ value: number, flagged: z.boolean() }));

/** A number for a JSON column, exactly: its shortest round-trip text ("Infinity" for +∞). */
export const storedNumber = (x: number): string => String(x);

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
