/**
 * Predictive entropy (paper "Algorithm Evaluation", pixelwise uncertainty measures; DESIGN.md
 * "Definitions"): with p̄ = (1/T) Σ_t p_t the mean of the T softmax samples,
 *
 *   H_j = −Σ_c p̄_j,c ln p̄_j,c   (nats, 0·ln 0 = 0)     image level: mean over all pixels j.
 *
 * Arrays are pixel-major with C classes per pixel (see sample-statistics.ts for the layout).
 */
import { type SampleShape, sampleStatistics } from './sample-statistics';

/** p̄ from float32 samples [T, H, W, C] (C-order). */
export function meanProbabilities(samples: Float32Array, shape: SampleShape): Float64Array {
  return sampleStatistics(samples, shape).meanProbs;
}

/** Per-pixel entropy −Σ_c p_c ln p_c of `pixels` probability vectors of length C. */
export function entropyMap(
  probs: ArrayLike<number>,
  pixels: number,
  C: number,
  out: Float64Array = new Float64Array(pixels),
): Float64Array {
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    let h = 0;
    for (let c = 0; c < C; c++) {
      const p = probs[o + c];
      if (p > 0) h -= p * Math.log(p);
    }
    out[j] = h;
  }
  return out;
}

/** Mean of a per-pixel map. */
export function imageMean(map: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < map.length; j++) s += map[j];
  return s / map.length;
}

/** Predictive-entropy map of the samples [T, H, W, C]. */
export function predictiveEntropyMap(samples: Float32Array, shape: SampleShape): Float64Array {
  return entropyMap(meanProbabilities(samples, shape), shape.rows * shape.cols, shape.C);
}

/** Image-level predictive entropy (mean over pixels). */
export function predictiveEntropy(samples: Float32Array, shape: SampleShape): number {
  return imageMean(predictiveEntropyMap(samples, shape));
}
