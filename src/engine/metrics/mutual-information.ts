/**
 * Mutual information between the prediction and the weights (paper "Algorithm Evaluation",
 * pixelwise uncertainty measures; docs/design.md "Definitions"), per pixel j:
 *
 *   MI_j = H(p̄_j) − (1/T) Σ_t H(p_t,j),   H(p) = −Σ_c p_c ln p_c (nats, 0·ln 0 = 0)
 *
 * image level: mean over all pixels. Two one-hot samples that disagree give ln 2, agreeing ones 0.
 */
import { imageMean } from './entropy-map';
import { type SampleShape, type SampleStatistics, sampleStatistics } from './sample-statistics';

/**
 * MI map from the fused sample statistics; H(p̄) as stats.meanEntropyForMi (the samples' own
 * x·ln x, so that agreeing samples give exactly 0).
 */
export function mutualInformationMapFromStatistics(
  stats: SampleStatistics,
  out: Float64Array = new Float64Array(stats.shape.rows * stats.shape.cols),
): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = stats.meanEntropyForMi[j] - stats.meanSampleEntropy[j];
  return out;
}

/** Per-pixel MI of the samples [T, H, W, C]. */
export function mutualInformationMap(samples: Float32Array, shape: SampleShape): Float64Array {
  return mutualInformationMapFromStatistics(sampleStatistics(samples, shape));
}

/** Image-level MI (mean over pixels). */
export function mutualInformation(samples: Float32Array, shape: SampleShape): number {
  return imageMean(mutualInformationMap(samples, shape));
}
