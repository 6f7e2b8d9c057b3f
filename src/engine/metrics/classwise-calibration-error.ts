/**
 * Class-wise ECE (Kull et al., NeurIPS 2019 "Beyond temperature scaling", classwise-ECE; the static
 * calibration error SCE of Nixon et al., CVPR-W 2019 "Measuring Calibration in Deep Learning";
 * docs/design.md "Definitions" → "More calibration measures"). For every class c, each pixel j
 * enters class c's equal-width histogram with probability p̄_j,c and outcome [y_j = c] (every pixel
 * in every class, not only the predicted one), bin min(⌊p̄_j,c·B⌋, B − 1):
 *
 *   ECE_c          = Σ_b |Σ_{j∈b} [y_j = c] − Σ_{j∈b} p̄_j,c| / N
 *   class-wise ECE = (1/C) Σ_c ECE_c          (all C classes, background included)
 *
 * The per-class histograms reuse the reliability histogram's shape (sumConfidence = Σ p̄_c,
 * sumCorrect = Σ [y = c]) and add up across slices the same way, so the measure of an evaluation is
 * exact from stored per-class histograms.
 */
import {
  confidenceBin,
  DEFAULT_CALIBRATION_BINS,
  emptyReliabilityHistogram,
  expectedCalibrationError,
  type ReliabilityHistogram,
} from './calibration';

/** One histogram per class over `pixels` pixels of mean probabilities (pixel-major, C per pixel). */
export function classwiseHistograms(
  meanProbs: ArrayLike<number>,
  labels: ArrayLike<number>,
  pixels: number,
  C: number,
  bins: number = DEFAULT_CALIBRATION_BINS,
): ReliabilityHistogram[] {
  const hs = Array.from({ length: C }, () => emptyReliabilityHistogram(bins));
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    const y = labels[j];
    for (let c = 0; c < C; c++) {
      const p = meanProbs[o + c];
      const h = hs[c];
      const b = confidenceBin(p, bins);
      h.count[b] += 1;
      h.sumConfidence[b] += p;
      if (y === c) h.sumCorrect[b] += 1;
    }
  }
  return hs;
}

/** Mean of the per-class ECEs; null when the histograms hold no pixel. */
export function classwiseCalibrationError(histograms: readonly ReliabilityHistogram[]): number | null {
  if (histograms.length === 0) return null;
  let sum = 0;
  for (const h of histograms) {
    const e = expectedCalibrationError(h);
    if (e === null) return null;
    sum += e;
  }
  return sum / histograms.length;
}
