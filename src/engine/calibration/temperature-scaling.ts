/**
 * Temperature scaling (docs/design.md "Definitions" → "Temperature scaling"; Guo et al., ICML
 * 2017): one scalar T > 0 per trained model, p_T = softmax(log p / T) per pixel and sample —
 * the same as dividing the logits by T, since log p differs from the logits by a per-pixel constant
 * that softmax ignores. T > 1 softens over-confident predictions, T < 1 sharpens; T = 1 changes
 * nothing, and the argmax (hence Dice) never changes.
 *
 * Fit: T minimises the mean NLL −log p_T(y) over the validation pixels. With β = 1/T,
 * NLL(β) = mean(logsumexp(β·log p) − β·log p_y) is convex in β (log-sum-exp of a linear map), so
 * it is unimodal in u = log T (β = e^(−u) is monotone). We minimise over u ∈ [log 0.05, log 20]
 * by golden-section search, stopping when the bracket is narrower than 1e-4 in u (T known to
 * 0.01 %), about 30 evaluations of the NLL; a minimum at an end of the range returns that end.
 * Probabilities are floored at 1e-12 before the log so that a hard zero stays finite.
 */
import { InvalidInputError } from '../errors';

export const LOG_T_RANGE: readonly [number, number] = [Math.log(0.05), Math.log(20)];
export const LOG_T_TOLERANCE = 1e-4;
const P_FLOOR = 1e-12;
const GOLDEN = (Math.sqrt(5) - 1) / 2;
// Math functions bound once: global lookups are slow inside jest's vm sandbox (engine/random.ts).
const { exp, log, max } = Math;

/** Validation probabilities [N, C] (flat) and their labels. */
export interface CalibrationSet {
  probs: Float32Array;
  labels: Uint8Array;
  classes: number;
}

export interface TemperatureFitResult {
  temperature: number;
  nllBefore: number;
  nllAfter: number;
  /** NLL evaluations of the search. */
  evaluations: number;
}

function check({ probs, labels, classes }: CalibrationSet) {
  if (!Number.isInteger(classes) || classes < 2)
    throw new InvalidInputError('BAD_ARGUMENT', `temperature scaling needs ≥ 2 classes, got ${classes}`);
  if (labels.length === 0 || probs.length !== labels.length * classes)
    throw new InvalidInputError(
      'BAD_SHAPE',
      `${probs.length} probabilities for ${labels.length} labels of ${classes} classes`,
    );
  for (const y of labels)
    if (y >= classes) throw new InvalidInputError('BAD_LABEL', `label ${y} outside 0..${classes - 1}`);
}

/** log p floored, in float64 once, so that each NLL evaluation is a pass of multiply-adds. */
function logProbabilities(probs: Float32Array): Float64Array {
  const out = new Float64Array(probs.length);
  for (let k = 0; k < probs.length; k++) {
    if (!Number.isFinite(probs[k])) throw new InvalidInputError('NON_FINITE', `probability ${k} is ${probs[k]}`);
    out[k] = log(max(probs[k], P_FLOOR));
  }
  return out;
}

/** Mean NLL of softmax(β·log p) at the labels (log-sum-exp with the row maximum taken out). */
function meanNll(logp: Float64Array, labels: Uint8Array, C: number, beta: number): number {
  let total = 0;
  for (let n = 0; n < labels.length; n++) {
    const o = n * C;
    let top = -Infinity;
    for (let c = 0; c < C; c++) top = max(top, beta * logp[o + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += exp(beta * logp[o + c] - top);
    total += top + log(sum) - beta * logp[o + labels[n]];
  }
  return total / labels.length;
}

/** Mean NLL of the probabilities tempered by T (T = 1: the probabilities as they are, floored). */
export function temperedNll(set: CalibrationSet, temperature: number): number {
  check(set);
  return meanNll(logProbabilities(set.probs), set.labels, set.classes, 1 / temperature);
}

/** The temperature minimising the validation NLL (golden-section on log T, see the header). */
export function fitTemperature(set: CalibrationSet): TemperatureFitResult {
  check(set);
  const logp = logProbabilities(set.probs);
  const f = (u: number) => meanNll(logp, set.labels, set.classes, exp(-u));
  let [a, b] = LOG_T_RANGE;
  let x1 = b - GOLDEN * (b - a);
  let x2 = a + GOLDEN * (b - a);
  let [f1, f2] = [f(x1), f(x2)];
  let evaluations = 2;
  while (b - a > LOG_T_TOLERANCE) {
    if (f1 <= f2) {
      [b, x2, f2] = [x2, x1, f1];
      x1 = b - GOLDEN * (b - a);
      f1 = f(x1);
    } else {
      [a, x1, f1] = [x1, x2, f2];
      x2 = a + GOLDEN * (b - a);
      f2 = f(x2);
    }
    evaluations++;
  }
  let u = (a + b) / 2;
  let nllAfter = f(u);
  const nllBefore = f(0);
  // The search is over a bracket; T = 1 is kept when it is at least as good (a flat NLL).
  if (nllBefore <= nllAfter) [u, nllAfter] = [0, nllBefore];
  return { temperature: exp(u), nllBefore, nllAfter, evaluations: evaluations + 2 };
}

/**
 * Tempers probabilities [.., C] in place: p ← softmax(log p / T) per pixel (floored as in the fit).
 * T = 1 leaves them exactly as they are.
 */
export function applyTemperature(probs: Float32Array, classes: number, temperature: number): Float32Array {
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new InvalidInputError('BAD_ARGUMENT', `a temperature must be a positive number, got ${temperature}`);
  if (probs.length % classes !== 0)
    throw new InvalidInputError('BAD_SHAPE', `${probs.length} probabilities are not a multiple of ${classes} classes`);
  if (temperature === 1) return probs;
  const beta = 1 / temperature;
  const z = new Float64Array(classes);
  for (let o = 0; o < probs.length; o += classes) {
    let top = -Infinity;
    for (let c = 0; c < classes; c++) {
      z[c] = beta * log(max(probs[o + c], P_FLOOR));
      top = max(top, z[c]);
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += z[c] = exp(z[c] - top);
    for (let c = 0; c < classes; c++) probs[o + c] = z[c] / sum;
  }
  return probs;
}
