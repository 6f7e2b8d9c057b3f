/**
 * Adaptive (equal-mass) ECE, "ACE" of Nixon et al., CVPR-W 2019 "Measuring Calibration in Deep
 * Learning", top-label form as torch-uncertainty's AdaptiveCalibrationError (docs/design.md
 * "Definitions" → "More calibration measures").
 *
 * Exact, from the per-pixel top-label confidences (confidence_j = max_c p̄_j,c, correct_j =
 * [argmax = y_j], ties to the lowest class as in calibration.ts): sort the N pixels ascending by
 * (confidence, correct) — the second key makes the result a function of the pixels' values, not of
 * their order — and cut the sorted list into B contiguous bins at the positions
 *
 *   e_b = b·⌊N/B⌋ + min(b, N mod B),  b = 0..B      (numpy.array_split / torch.tensor_split sizes:
 *                                                   the first N mod B bins hold one pixel more)
 *   ACE = Σ_b |Σ_{e_b < i ≤ e_{b+1}} correct_i − confidence_i| / N
 *
 * Empty bins (N < B) contribute nothing; null for N = 0.
 *
 * From a stored equal-width histogram (fine, e.g. 1000 bins) the sorted order is known only up to
 * fine bins, so the cut at e_b moves to the fine-bin edge whose cumulative count s_b is nearest
 * (ties to the lower edge) and whole fine bins are merged. Positions between s_b and e_b land in a
 * neighbouring bin; moving one pixel changes two bins' |Σcorrect − Σconfidence| by at most 1 each,
 * so
 *
 *   |ACE_histogram − ACE_exact| ≤ 2·Σ_b |s_b − e_b| / N        (returned as `errorBound`)
 *
 * and the two are equal when every e_b falls on a fine-bin edge.
 */
import type { ReliabilityHistogram } from './calibration';

export const DEFAULT_ADAPTIVE_BINS = 15;

/** Cut positions e_0 = 0 < … ≤ e_B = N of N items into B bins of sizes differing by at most one. */
export function equalMassCuts(n: number, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const q = Math.floor(n / bins);
  const r = n % bins;
  return Array.from({ length: bins + 1 }, (_, b) => b * q + Math.min(b, r));
}

/** Top-label confidence and correctness per pixel (pixel-major probabilities, C per pixel). */
export function topLabelOutcomes(
  meanProbs: ArrayLike<number>,
  labels: ArrayLike<number>,
  pixels: number,
  C: number,
): { confidence: Float64Array; correct: Uint8Array } {
  const confidence = new Float64Array(pixels);
  const correct = new Uint8Array(pixels);
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    let best = 0;
    for (let c = 1; c < C; c++) if (meanProbs[o + c] > meanProbs[o + best]) best = c;
    confidence[j] = meanProbs[o + best];
    correct[j] = best === labels[j] ? 1 : 0;
  }
  return { confidence, correct };
}

/** Exact ACE over per-pixel confidences and 0/1 correctness. */
export function adaptiveCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  bins: number = DEFAULT_ADAPTIVE_BINS,
): number | null {
  const n = confidence.length;
  if (correct.length !== n) throw new RangeError(`length mismatch ${n} vs ${correct.length}`);
  if (n === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => confidence[a] - confidence[b] || correct[a] - correct[b],
  );
  const cuts = equalMassCuts(n, bins);
  let gap = 0;
  for (let b = 0; b < bins; b++) {
    let d = 0;
    for (let i = cuts[b]; i < cuts[b + 1]; i++) d += correct[order[i]] - confidence[order[i]];
    gap += Math.abs(d);
  }
  return gap / n;
}

export interface ApproximateAce {
  ace: number;
  /** Upper bound on |ace − exact ACE of the pixels the histogram counts|. */
  errorBound: number;
}

/** ACE from a fine equal-width histogram by merging whole fine bins; null for an empty histogram. */
export function adaptiveCalibrationErrorFromHistogram(
  fine: ReliabilityHistogram,
  bins: number = DEFAULT_ADAPTIVE_BINS,
): ApproximateAce | null {
  const edges = [0];
  for (let i = 0; i < fine.bins; i++) edges.push(edges[i] + fine.count[i]);
  const n = edges[fine.bins];
  if (n === 0) return null;
  const cuts = equalMassCuts(n, bins);
  // k: the last edge at or below the cut; cuts and edges both ascend, so one sweep.
  const snapped: number[] = [];
  let moved = 0;
  for (let b = 0, k = 0; b <= bins; b++) {
    const cut = cuts[b];
    while (k < fine.bins && edges[k + 1] <= cut) k++;
    const s = k < fine.bins && edges[k + 1] - cut < cut - edges[k] ? k + 1 : k;
    snapped.push(s);
    moved += Math.abs(edges[s] - cut);
  }
  let gap = 0;
  for (let b = 0; b < bins; b++) {
    let d = 0;
    for (let i = snapped[b]; i < snapped[b + 1]; i++) d += fine.sumCorrect[i] - fine.sumConfidence[i];
    gap += Math.abs(d);
  }
  return { ace: gap / n, errorBound: (2 * moved) / n };
}
