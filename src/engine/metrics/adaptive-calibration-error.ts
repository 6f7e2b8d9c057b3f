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
 * From a stored fine histogram (bins ascending in confidence; the store's is
 * fine-confidence-histogram.ts) the sorted order is known only up to fine bins. A cut e_b inside a
 * fine bin whose smallest and largest confidence are equal (a single value v, when the histogram
 * carries extremes) is exact: its pixels sort incorrect before correct, so the first m of them sum
 * to max(0, m − (n − Σcorrect)) correct and m·v confidence. Any other cut moves to the fine-bin
 * edge whose cumulative count s_b is nearest (ties to the lower edge). Positions between s_b and
 * e_b land in a neighbouring bin; moving one pixel changes two bins' |Σcorrect − Σconfidence| by at
 * most 1 each, so
 *
 *   |ACE_histogram − ACE_exact| ≤ 2·Σ_b |s_b − e_b| / N        (exact cuts count s_b = e_b)
 *
 * and the two are equal when every e_b falls on a fine-bin edge or inside a single-valued bin.
 * `errorBound` is the smaller of that and a tighter one: the exact prefix sum A_b of (correct −
 * confidence) before cut b lies in an interval known from the fine bin the cut falls in (its first
 * m pixels hold between max(0, m − (n − Σcorrect)) and min(m, Σcorrect) correct, and confidences
 * summing to between max(m·lo, S − (n − m)·hi) and min(m·hi, m·S/n), being the lowest), and
 * ACE_exact = Σ_b |A_{b+1} − A_b| / N lies between the least and the largest such sum over those
 * intervals (the largest exactly, at a vertex of the box; the least bounded below by splitting the
 * bins into runs). When the bins' gaps share a sign, moving a cut changes nothing, and the bound
 * says so.
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

/**
 * ACE from a fine histogram (bins ascending in confidence, empty ones allowed) by merging whole fine
 * bins, cutting exactly inside single-valued bins when `min` and `max` are given; null when empty.
 */
export function adaptiveCalibrationErrorFromHistogram(
  fine: ReliabilityHistogram & { min?: ArrayLike<number>; max?: ArrayLike<number> },
  bins: number = DEFAULT_ADAPTIVE_BINS,
): ApproximateAce | null {
  // edges[k]: pixels before fine bin k; prefix[k]: their Σ (correct − confidence).
  const edges = [0];
  const prefix = [0];
  for (let i = 0; i < fine.bins; i++) {
    edges.push(edges[i] + fine.count[i]);
    prefix.push(prefix[i] + fine.sumCorrect[i] - fine.sumConfidence[i]);
  }
  const n = edges[fine.bins];
  if (n === 0) return null;
  const { min, max } = fine;
  const cuts = equalMassCuts(n, bins);
  // at[b]: Σ (correct − confidence) of the pixels before cut b, as far as the histogram can place it;
  // [low[b], high[b]]: where the exact prefix can lie.
  const at: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  let moved = 0;
  // k: the fine bin the cut falls in (edges[k] ≤ cut < edges[k + 1]); cuts and edges both ascend.
  for (let b = 0, k = 0; b <= bins; b++) {
    const cut = cuts[b];
    while (k < fine.bins && edges[k + 1] <= cut) k++;
    const inside = cut - edges[k];
    let exact: number | null = null;
    if (inside === 0) exact = prefix[k];
    else if (min !== undefined && max !== undefined && min[k] === max[k]) {
      const wrong = fine.count[k] - fine.sumCorrect[k];
      exact = prefix[k] + Math.max(0, inside - wrong) - inside * min[k];
    }
    if (exact !== null) {
      at.push(exact);
      low.push(exact);
      high.push(exact);
      continue;
    }
    const s = edges[k + 1] - cut < inside ? k + 1 : k;
    moved += Math.abs(edges[s] - cut);
    at.push(prefix[s]);
    const [lo, hi] = firstPixelsRange(fine, k, inside, min?.[k] ?? 0, max?.[k] ?? 1);
    low.push(prefix[k] + lo);
    high.push(prefix[k] + hi);
  }
  let gap = 0;
  for (let b = 0; b < bins; b++) gap += Math.abs(at[b + 1] - at[b]);
  // The exact ACE is Σ_b |A_{b+1} − A_b| / N for some A_b in [low_b, high_b]: bounded above by the
  // largest such sum and below by the smallest, each over the boxes (variationRange).
  const [least, most] = variationRange(low, high);
  const errorBound = Math.min(2 * moved, Math.max(most - gap, gap - least, 0)) / n;
  return { ace: gap / n, errorBound };
}

/**
 * Range of Σ (correct − confidence) over the first m (lowest-confidence) pixels of fine bin k, from
 * its count n, Σ correct c, Σ confidence S and extremes [lo, hi]: the correct among them lie in
 * [max(0, m − (n − c)), min(m, c)], their confidences sum to at least max(m·lo, S − (n − m)·hi)
 * and, being the lowest, to at most min(m·hi, m·S/n).
 */
function firstPixelsRange(fine: ReliabilityHistogram, k: number, m: number, lo: number, hi: number): [number, number] {
  const count = fine.count[k];
  const correct = fine.sumCorrect[k];
  const sum = fine.sumConfidence[k];
  const confLow = Math.max(m * lo, sum - (count - m) * hi);
  const confHigh = Math.min(m * hi, (m * sum) / count);
  return [Math.max(0, m - (count - correct)) - confHigh, Math.min(m, correct) - confLow];
}

/**
 * Smallest and largest Σ_b |A_{b+1} − A_b| over A_b ∈ [low_b, high_b] (b = 0..B). The largest is
 * exact: the sum is convex, so its maximum over the box is at a vertex, found by a two-state chain
 * DP. The smallest is a lower bound: any split of the bins into runs i..j has Σ ≥ the least
 * |A_j − A_i| per run, and a DP takes the best split.
 */
function variationRange(low: number[], high: number[]): [number, number] {
  const B = low.length - 1;
  let best = [0, 0];
  for (let b = 1; b <= B; b++) {
    const from = [low[b - 1], high[b - 1]];
    best = [low[b], high[b]].map((x) => Math.max(best[0] + Math.abs(x - from[0]), best[1] + Math.abs(x - from[1])));
  }
  const most = Math.max(best[0], best[1]);
  const split = new Array<number>(B + 1).fill(0);
  for (let j = 1; j <= B; j++) {
    let v = 0;
    for (let i = 0; i < j; i++) v = Math.max(v, split[i] + Math.max(0, low[j] - high[i], low[i] - high[j]));
    split[j] = v;
  }
  return [split[B], most];
}
