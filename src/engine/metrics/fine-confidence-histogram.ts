/**
 * The fine top-label confidence histogram stored per slice so that an evaluation's adaptive
 * (equal-mass) ECE can be formed over any scope (docs/design.md "Definitions" → "More calibration
 * measures"). Equal-width bins would not do: most pixels of a segmentation have confidence within
 * 1e-3 of 1, so the fine grid is logarithmic in the distance d = 1 − confidence:
 *
 *   octave o = 0..31 holds d ∈ [2^−(o+1), 2^−o), cut into 32 equal steps by the top five mantissa
 *   bits of d (exact bit arithmetic, so the bin is a non-decreasing function of the confidence);
 *   bin FINE_LOG_BINS holds 0 < d < 2^−32 and bin FINE_LOG_BINS + 1 confidence exactly 1.
 *
 * Bins ascend in confidence. Each non-empty bin keeps its pixel count, Σ confidence, Σ correct and
 * the smallest and largest confidence in it: sums add and extremes combine across slices, and a bin
 * whose extremes are equal holds one value, whose sorted order (incorrect before correct) is known,
 * so an equal-mass cut inside it is exact (adaptive-calibration-error.ts). Only non-empty bins are
 * listed, in ascending `index`.
 */
import type { ReliabilityHistogram } from './calibration';

const OCTAVES = 32;
const STEPS = 32;
export const FINE_LOG_BINS = OCTAVES * STEPS;
/** Every fine bin: the logarithmic ones, 0 < d < 2^−32, and confidence 1. */
export const FINE_BINS = FINE_LOG_BINS + 2;

export interface FineConfidenceHistogram extends ReliabilityHistogram {
  /** Fine-bin index (0..FINE_BINS − 1) of each listed bin, ascending. */
  index: number[];
  min: number[];
  max: number[];
}

const bits = new DataView(new ArrayBuffer(8));

/** The fine bin of a top-label confidence in [0, 1]. */
export function fineConfidenceBin(confidence: number): number {
  const d = 1 - confidence;
  if (d <= 0) return FINE_BINS - 1;
  if (d < 2 ** -OCTAVES) return FINE_LOG_BINS;
  if (d >= 1) return 0;
  bits.setFloat64(0, d);
  const high = bits.getUint32(0);
  const exponent = ((high >>> 20) & 0x7ff) - 1023; // d ∈ [2^exponent, 2^(exponent + 1)), −32 ≤ exponent ≤ −1
  const step = (high >>> 15) & (STEPS - 1); // larger mantissa = larger d = lower confidence
  return (-1 - exponent) * STEPS + (STEPS - 1 - step);
}

/** The fine histogram of `pixels` pixels of mean probabilities (pixel-major, C per pixel) against labels. */
export function fineConfidenceHistogram(
  meanProbs: ArrayLike<number>,
  labels: ArrayLike<number>,
  pixels: number,
  C: number,
): FineConfidenceHistogram {
  const count = new Float64Array(FINE_BINS);
  const sumConfidence = new Float64Array(FINE_BINS);
  const sumCorrect = new Float64Array(FINE_BINS);
  const min = new Float64Array(FINE_BINS).fill(Infinity);
  const max = new Float64Array(FINE_BINS).fill(-Infinity);
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    // Top label with ties to the lowest class, as calibration.ts.
    let best = 0;
    for (let c = 1; c < C; c++) if (meanProbs[o + c] > meanProbs[o + best]) best = c;
    const conf = meanProbs[o + best];
    const b = fineConfidenceBin(conf);
    count[b] += 1;
    sumConfidence[b] += conf;
    if (best === labels[j]) sumCorrect[b] += 1;
    if (conf < min[b]) min[b] = conf;
    if (conf > max[b]) max[b] = conf;
  }
  const h: FineConfidenceHistogram = {
    bins: 0,
    index: [],
    count: [],
    sumConfidence: [],
    sumCorrect: [],
    min: [],
    max: [],
  };
  for (let b = 0; b < FINE_BINS; b++) {
    if (count[b] === 0) continue;
    h.index.push(b);
    h.count.push(count[b]);
    h.sumConfidence.push(sumConfidence[b]);
    h.sumCorrect.push(sumCorrect[b]);
    h.min.push(min[b]);
    h.max.push(max[b]);
  }
  h.bins = h.index.length;
  return h;
}
