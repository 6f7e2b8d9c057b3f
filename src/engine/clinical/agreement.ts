/**
 * Agreement of a predicted biomarker with the ground truth over subjects, the figures the ACDC
 * challenge reports (docs/design.md "Definitions" → "Clinical biomarkers"): Bland–Altman bias and
 * limits (bland-altman.ts), Pearson correlation r (null for n < 2 or a constant side) and the mean
 * absolute error MAE = Σ |predicted_i − truth_i| / n, over the subjects where both are defined.
 */
import { pearson } from '../metrics/spearman';
import { type BlandAltman, blandAltman, definedPairs } from './bland-altman';

export interface Agreement extends BlandAltman {
  pearsonR: number | null;
  mae: number | null;
}

export function agreement(predicted: ReadonlyArray<number | null>, truth: ReadonlyArray<number | null>): Agreement {
  const { x, y } = definedPairs(predicted, truth);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return { ...blandAltman(predicted, truth), pearsonR: pearson(x, y), mae: x.length === 0 ? null : sum / x.length };
}
