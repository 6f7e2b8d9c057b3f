/**
 * Maximum calibration error (Naeini et al., AAAI 2015; docs/design.md "Definitions" → "More
 * calibration measures"): the largest gap between accuracy and mean confidence over the non-empty
 * equal-width bins of a reliability histogram (calibration.ts),
 *
 *   MCE = max_{b : n_b > 0} |Σcorrect_b − Σconfidence_b| / n_b
 *
 * null for an empty histogram. Like the histogram it comes from, it is a function of the merged
 * histogram of every slice in scope, so an evaluation's MCE needs no pixel data.
 */
import type { ReliabilityHistogram } from './calibration';

export function maximumCalibrationError(h: ReliabilityHistogram): number | null {
  let worst: number | null = null;
  for (let b = 0; b < h.bins; b++) {
    const n = h.count[b];
    if (n === 0) continue;
    const gap = Math.abs(h.sumCorrect[b] - h.sumConfidence[b]) / n;
    if (worst === null || gap > worst) worst = gap;
  }
  return worst;
}
