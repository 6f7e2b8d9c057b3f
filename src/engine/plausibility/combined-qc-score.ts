/**
 * A QC score that combines a slice's uncertainty with its anatomical plausibility (docs/design.md
 * "Anatomical plausibility" → "Combined QC score"): per structure k and uncertainty measure, a
 * logistic model of P(poor) fitted on a labelled evaluation (the validation split), whose linear
 * predictor then ranks the slices of any evaluation for review as the uncertainty alone would.
 *
 * Features of (slice, k), each 0 on a plausible, certain slice:
 *   u        the measure's QC score (qc-policy.ts qcScore); ASSD_WITHIN as 1 − exp(−u / 10 mm),
 *            ∞ → 1, so one value never dominates the fit;
 *   extra    max(components_k − 1, 0);
 *   holes    |holes_k − h_k|, with h_MYO = 1 when the slice has LV (the cavity) and 0 otherwise;
 *   lvOpen   ln(1 + lvExposed);  rvLv  ln(1 + rvLvContact);  jump  area jump of k (area-jump.ts).
 * They are standardised with the fitting set's mean and SD (a feature constant there gets
 * coefficient 0). The model maximises the log-likelihood minus (λ/2)·|β|² over the non-intercept
 * coefficients (λ = 1 by default: the fitting sets are small and often separable), by Newton's
 * method (IRLS) from β = 0 until no coefficient moves by more than 1e-10.
 *
 * Written by hand: a Newton step on ≤ 7 coefficients, with ml-matrix's solver for the linear system
 * (ml-logistic-regression fits by fixed-step gradient descent with no convergence test).
 */
import { Matrix, solve } from 'ml-matrix';
import type { Structure } from '../data/types';
import type { QcMeasure } from '../metrics/qc-policy';
import type { SlicePlausibility } from './slice-plausibility';

export const COMBINED_FEATURES = ['u', 'extra', 'holes', 'lvOpen', 'rvLv', 'jump'] as const;

const ASSD_SCALE_MM = 10;

export function uncertaintyFeature(measure: QcMeasure, score: number): number {
  if (measure !== 'ASSD_WITHIN') return score;
  return score === Infinity ? 1 : 1 - Math.exp(-score / ASSD_SCALE_MM);
}

/** The feature vector (COMBINED_FEATURES order) of structure k in one slice. */
export function combinedFeatures(
  measure: QcMeasure,
  structure: Structure,
  score: number,
  plausibility: SlicePlausibility,
  areaJump: number,
): number[] {
  const { components, holes } = plausibility.topology[structure];
  const expectedHoles = structure === 'MYO' && plausibility.myoClosed !== null ? 1 : 0;
  return [
    uncertaintyFeature(measure, score),
    Math.max(components - 1, 0),
    Math.abs(holes - expectedHoles),
    Math.log1p(plausibility.lvExposed),
    Math.log1p(plausibility.rvLvContact),
    areaJump,
  ];
}

export interface CombinedQcModel {
  /** Feature means and SDs of the fitting set (SD 0: the feature is left out). */
  mean: number[];
  sd: number[];
  /** Intercept, then one coefficient per feature on the standardised scale. */
  coefficients: number[];
  ridge: number;
  iterations: number;
  n: number;
  poor: number;
}

export interface FitOptions {
  ridge?: number;
  maxIterations?: number;
}

const TOLERANCE = 1e-10;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The standardised design row [1, (x − mean) / sd …] (0 for a left-out feature). */
function designRow(model: Pick<CombinedQcModel, 'mean' | 'sd'>, x: readonly number[]): number[] {
  return [1, ...x.map((v, j) => (model.sd[j] > 0 ? (v - model.mean[j]) / model.sd[j] : 0))];
}

export function fitCombinedQcScore(
  features: ReadonlyArray<readonly number[]>,
  poor: readonly boolean[],
  options: FitOptions = {},
): CombinedQcModel {
  const ridge = options.ridge ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const n = features.length;
  if (n !== poor.length) throw new RangeError(`${n} feature rows but ${poor.length} poor flags`);
  const positives = poor.filter(Boolean).length;
  if (positives === 0 || positives === n)
    throw new RangeError(`a fit needs poor and good cases: ${positives} of ${n} are poor`);
  const d = features[0].length;
  for (const row of features)
    if (row.length !== d || row.some((v) => !Number.isFinite(v)))
      throw new RangeError(`every feature row must have ${d} finite values`);
  const mean = Array.from({ length: d }, (_, j) => features.reduce((a, r) => a + r[j], 0) / n);
  const sd = mean.map((m, j) => Math.sqrt(features.reduce((a, r) => a + (r[j] - m) ** 2, 0) / n));
  const X = new Matrix(features.map((row) => designRow({ mean, sd }, row)));
  const y = poor.map((p) => (p ? 1 : 0));
  const penalty = (j: number) => (j === 0 || sd[j - 1] === 0 ? 0 : ridge);
  let beta = new Array<number>(d + 1).fill(0);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const p = X.mmul(Matrix.columnVector(beta)).to1DArray().map(sigmoid);
    const hessian = new Matrix(d + 1, d + 1);
    const gradient = new Array<number>(d + 1).fill(0);
    for (let i = 0; i < n; i++) {
      const w = p[i] * (1 - p[i]);
      for (let a = 0; a <= d; a++) {
        const xa = X.get(i, a);
        gradient[a] += xa * (y[i] - p[i]);
        for (let b = 0; b <= d; b++) hessian.set(a, b, hessian.get(a, b) + w * xa * X.get(i, b));
      }
    }
    for (let a = 0; a <= d; a++) {
      gradient[a] -= penalty(a) * beta[a];
      // A left-out feature's column is 0: a unit diagonal keeps the system solvable and its step 0.
      hessian.set(a, a, hessian.get(a, a) + (a > 0 && sd[a - 1] === 0 ? 1 : penalty(a)));
    }
    const step = newtonStep(hessian, gradient);
    beta = beta.map((b, a) => b + step[a]);
    if (Math.max(...step.map(Math.abs)) <= TOLERANCE)
      return { mean, sd, coefficients: beta, ridge, iterations: iteration, n, poor: positives };
  }
  throw new RangeError(`the fit did not converge in ${maxIterations} Newton steps`);
}

function newtonStep(hessian: Matrix, gradient: number[]): number[] {
  const step = (() => {
    try {
      return solve(hessian, Matrix.columnVector(gradient)).to1DArray();
    } catch {
      return null; // singular: the weights p(1 − p) have all gone to 0
    }
  })();
  if (step === null || step.some((v) => !Number.isFinite(v)))
    throw new RangeError('the likelihood has no finite maximum (the cases are separable); fit with a ridge > 0');
  return step;
}

/** The model's linear predictor (log-odds of poor): higher = review first. */
export function combinedQcScore(model: CombinedQcModel, features: readonly number[]): number {
  return designRow(model, features).reduce((a, v, j) => a + v * model.coefficients[j], 0);
}

export const probabilityPoor = (model: CombinedQcModel, features: readonly number[]) =>
  sigmoid(combinedQcScore(model, features));
