/**
 * Mutual information between the prediction and the weights (paper "Algorithm Evaluation",
 * pixelwise uncertainty measures; docs/design.md "Definitions"), per pixel j:
 *
 *   MI_j = H(p̄_j) − (1/T) Σ_t H(p_t,j),   H(p) = −Σ_c p_c ln p_c (nats, 0·ln 0 = 0)
 *
 * image level: mean over all pixels (predictive-entropy.ts `imageMean`). Two one-hot samples that
 * disagree give ln 2, agreeing ones 0.
 *
 * Exactness: where p̄_j is a float32 vector (always so where the samples agree: their mean is each
 * of them), H(p̄_j) is taken by the same x·ln x as the samples' entropies (the pass's
 * meanEntropyMatched), so that a deterministic model's MI is exactly 0 rather than the difference
 * of two logarithm implementations; elsewhere it is the predictive-entropy map.
 */
import type { RawSampleStatistics } from './sample-pass-simd';

/** MI map from the sample pass's accumulators (C classes per pixel). */
export function mutualInformationMap(
  raw: Pick<RawSampleStatistics, 'meanProbs' | 'meanEntropy' | 'meanEntropyMatched' | 'meanSampleEntropy'>,
  C: number,
  out: Float64Array = new Float64Array(raw.meanEntropy.length),
): Float64Array {
  const p = raw.meanProbs;
  for (let j = 0, o = 0; j < out.length; j++, o += C) {
    let float32 = true;
    for (let c = 0; c < C && float32; c++) float32 = Math.fround(p[o + c]) === p[o + c];
    out[j] = (float32 ? raw.meanEntropyMatched[j] : raw.meanEntropy[j]) - raw.meanSampleEntropy[j];
  }
  return out;
}
