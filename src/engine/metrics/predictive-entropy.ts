/**
 * Predictive entropy (paper "Algorithm Evaluation", pixelwise uncertainty measures; docs/design.md
 * "Definitions"): with p̄ = (1/T) Σ_t p_t the mean of the T softmax samples,
 *
 *   H_j = −Σ_c p̄_j,c ln p̄_j,c   (nats, 0·ln 0 = 0)     image level: mean over all pixels j.
 *
 * Arrays are pixel-major with C classes per pixel (see sample-statistics.ts for the layout).
 */
import { imageMean } from './entropy-map';
import { type SampleShape, sampleStatistics } from './sample-statistics';

/** Predictive-entropy map of the samples [T, H, W, C]. */
export function predictiveEntropyMap(samples: Float32Array, shape: SampleShape): Float64Array {
  return sampleStatistics(samples, shape).meanEntropy;
}

/** Image-level predictive entropy (mean over pixels). */
export function predictiveEntropy(samples: Float32Array, shape: SampleShape): number {
  return imageMean(predictiveEntropyMap(samples, shape));
}
