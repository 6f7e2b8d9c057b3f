/**
 * Bland–Altman agreement between a predicted and a ground-truth biomarker over subjects
 * (docs/design.md "Definitions" → "Clinical biomarkers"; as the ACDC challenge reports it):
 * d_i = predicted_i − truth_i,
 *
 *   bias = mean(d),  limits of agreement = bias ± 1.96 · SD(d)
 *
 * with SD the sample SD (n − 1), so limits are null for a single subject. Subjects where either
 * value is null (EF undefined) are left out and counted.
 */
import { meanAndSampleSd } from './posterior-interval';

export const LIMITS_OF_AGREEMENT_Z = 1.96;

export interface BlandAltman {
  /** Subjects with both values. */
  n: number;
  /** Subjects left out because a value was null. */
  undefinedCount: number;
  bias: number | null;
  sdDiff: number | null;
  lower: number | null;
  upper: number | null;
}

/** The pairs where both values are defined, as two arrays. */
export function definedPairs(
  predicted: ReadonlyArray<number | null>,
  truth: ReadonlyArray<number | null>,
): { x: number[]; y: number[]; undefinedCount: number } {
  if (predicted.length !== truth.length) throw new RangeError(`length mismatch ${predicted.length} vs ${truth.length}`);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    const t = truth[i];
    if (p === null || t === null) continue;
    if (!Number.isFinite(p) || !Number.isFinite(t))
      throw new RangeError(`subject ${i}: values must be finite (${p}, ${t})`);
    x.push(p);
    y.push(t);
  }
  return { x, y, undefinedCount: predicted.length - x.length };
}

export function blandAltman(predicted: ReadonlyArray<number | null>, truth: ReadonlyArray<number | null>): BlandAltman {
  const { x, y, undefinedCount } = definedPairs(predicted, truth);
  const n = x.length;
  if (n === 0) return { n, undefinedCount, bias: null, sdDiff: null, lower: null, upper: null };
  const { mean: bias, sd } = meanAndSampleSd(x.map((p, i) => p - y[i]));
  if (sd === null) return { n, undefinedCount, bias, sdDiff: null, lower: null, upper: null };
  return {
    n,
    undefinedCount,
    bias,
    sdDiff: sd,
    lower: bias - LIMITS_OF_AGREEMENT_Z * sd,
    upper: bias + LIMITS_OF_AGREEMENT_Z * sd,
  };
}
