/**
 * Probability calibration of the mean prediction p̄ against the ground truth y (paper "Algorithm
 * Evaluation → Probability Calibration"; docs/design.md "Definitions"), over all pixels j of an image:
 *
 *   NLL   = mean_j −ln p̄_j,y_j          (p̄ floored at NLL_PROBABILITY_FLOOR so a zero probability
 *                                        gives a large finite value, never Infinity)
 *   Brier = mean_j Σ_c (p̄_j,c − [y_j = c])²
 *
 * Reliability: confidence_j = max_c p̄_j,c, prediction = argmax_c p̄_j,c (ties → lowest class),
 * correct_j = [prediction = y_j]. Equal-width bins on [0, 1] (default 15): pixel j goes to bin
 * min(⌊confidence_j · bins⌋, bins − 1). Each bin stores count, Σ confidence and Σ correct, so the
 * histogram of a whole evaluation is the element-wise sum of per-image histograms (mergeable).
 *
 *   ECE = Σ_b (n_b / N) · |acc_b − conf_b| = Σ_b |Σcorrect_b − Σconfidence_b| / N
 *
 * Labels y are class channel indices (0 ≤ y < C).
 */

export const DEFAULT_CALIBRATION_BINS = 15;
/** Smallest probability used inside the logarithm of the NLL: −ln(1e-12) ≈ 27.63. */
export const NLL_PROBABILITY_FLOOR = 1e-12;

export interface ReliabilityHistogram {
  bins: number;
  count: number[];
  sumConfidence: number[];
  sumCorrect: number[];
}

export function emptyReliabilityHistogram(bins: number = DEFAULT_CALIBRATION_BINS): ReliabilityHistogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  return {
    bins,
    count: new Array<number>(bins).fill(0),
    sumConfidence: new Array<number>(bins).fill(0),
    sumCorrect: new Array<number>(bins).fill(0),
  };
}

/** Bin of a confidence in [0, 1]: min(⌊confidence · bins⌋, bins − 1). */
export function confidenceBin(confidence: number, bins: number): number {
  const b = Math.floor(confidence * bins);
  return b >= bins ? bins - 1 : b < 0 ? 0 : b;
}

/** Adds `other` into `into` (same binning) and returns `into`. */
export function mergeReliabilityHistograms(
  into: ReliabilityHistogram,
  other: ReliabilityHistogram,
): ReliabilityHistogram {
  if (into.bins !== other.bins)
    throw new RangeError(`cannot merge histograms with ${into.bins} and ${other.bins} bins`);
  for (let b = 0; b < into.bins; b++) {
    into.count[b] += other.count[b];
    into.sumConfidence[b] += other.sumConfidence[b];
    into.sumCorrect[b] += other.sumCorrect[b];
  }
  return into;
}

/** ECE from a histogram; null when it holds no pixel. */
export function expectedCalibrationError(h: ReliabilityHistogram): number | null {
  let n = 0;
  let gap = 0;
  for (let b = 0; b < h.bins; b++) {
    n += h.count[b];
    gap += Math.abs(h.sumCorrect[b] - h.sumConfidence[b]);
  }
  return n === 0 ? null : gap / n;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** null for an empty bin. */
  meanConfidence: number | null;
  accuracy: number | null;
}

/** Reliability-diagram points (one per bin). */
export function reliabilityDiagram(h: ReliabilityHistogram): ReliabilityBin[] {
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < h.bins; b++) {
    const n = h.count[b];
    out.push({
      lower: b / h.bins,
      upper: (b + 1) / h.bins,
      count: n,
      meanConfidence: n === 0 ? null : h.sumConfidence[b] / n,
      accuracy: n === 0 ? null : h.sumCorrect[b] / n,
    });
  }
  return out;
}

export interface CalibrationResult {
  nll: number;
  brier: number;
  histogram: ReliabilityHistogram;
  ece: number | null;
}

/**
 * NLL, Brier and the reliability histogram in one pass over `pixels` pixels of mean probabilities
 * (pixel-major, C per pixel) and labels.
 */
export function calibration(
  meanProbs: ArrayLike<number>,
  labels: ArrayLike<number>,
  pixels: number,
  C: number,
  bins: number = DEFAULT_CALIBRATION_BINS,
): CalibrationResult {
  const h = emptyReliabilityHistogram(bins);
  let nll = 0;
  let brier = 0;
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    const y = labels[j];
    let best = 0;
    let conf = -1;
    let sq = 0;
    for (let c = 0; c < C; c++) {
      const p = meanProbs[o + c];
      if (p > conf) {
        conf = p;
        best = c;
      }
      const e = c === y ? p - 1 : p;
      sq += e * e;
    }
    brier += sq;
    const py = meanProbs[o + y];
    nll -= Math.log(py > NLL_PROBABILITY_FLOOR ? py : NLL_PROBABILITY_FLOOR);
    const b = confidenceBin(conf, bins);
    h.count[b] += 1;
    h.sumConfidence[b] += conf;
    if (best === y) h.sumCorrect[b] += 1;
  }
  return { nll: nll / pixels, brier: brier / pixels, histogram: h, ece: expectedCalibrationError(h) };
}

export function negativeLogLikelihood(
  meanProbs: ArrayLike<number>,
  labels: ArrayLike<number>,
  pixels: number,
  C: number,
): number {
  return calibration(meanProbs, labels, pixels, C, 1).nll;
}

export function brierScore(meanProbs: ArrayLike<number>, labels: ArrayLike<number>, pixels: number, C: number): number {
  return calibration(meanProbs, labels, pixels, C, 1).brier;
}

export function reliabilityHistogram(
  meanProbs: ArrayLike<number>,
  labels: ArrayLike<number>,
  pixels: number,
  C: number,
  bins: number = DEFAULT_CALIBRATION_BINS,
): ReliabilityHistogram {
  return calibration(meanProbs, labels, pixels, C, bins).histogram;
}
