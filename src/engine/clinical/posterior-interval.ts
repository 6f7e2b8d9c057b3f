/**
 * A biomarker's distribution over T posterior samples (docs/design.md "Definitions" → "Clinical
 * biomarkers"): with x_1..x_T the biomarker computed from sample t of every slice of both phases
 * (coherent draws, see engine/inference/sampling.ts),
 *
 *   mean = Σ x_t / T
 *   SD   = sqrt(Σ (x_t − mean)² / (T − 1))     the sample SD (Bessel), null for T = 1
 *   q_p  = quantile type 7 (numpy's default, R's default): h = (T − 1)·p over the sorted x,
 *          x_(⌊h⌋) + (h − ⌊h⌋)·(x_(⌊h⌋+1) − x_(⌊h⌋)), 0-based; the 95 % interval is [q_0.025, q_0.975]
 *
 * T = 1 (a plain U-Net) gives the value itself as mean and both quantiles. A biomarker undefined in
 * any sample (EF with EDV = 0) has no distribution: the summary is null, since an interval over the
 * samples where it exists would hide the samples where the segmentation failed.
 */
import { percentileLinear } from '../metrics/segmentation-metrics';

export interface PosteriorSummary {
  /** Samples T. */
  n: number;
  mean: number;
  /** Sample SD (T − 1 in the denominator); null when T = 1. */
  sd: number | null;
  q025: number;
  q975: number;
}

/** The 95 % posterior interval's bounds. */
export const INTERVAL_LOWER = 0.025;
export const INTERVAL_UPPER = 0.975;

/** Mean and sample SD of values; sd null for fewer than 2 values. */
export function meanAndSampleSd(values: ArrayLike<number>): { mean: number; sd: number | null } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  if (n < 2) return { mean, sd: null };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / (n - 1)) };
}

/** Summary over the samples; null when there are none or any is null (undefined in that sample). */
export function posteriorSummary(samples: ReadonlyArray<number | null>): PosteriorSummary | null {
  const n = samples.length;
  if (n === 0 || samples.some((x) => x === null)) return null;
  const x = Float64Array.from(samples as number[]);
  if (x.some((v) => !Number.isFinite(v))) throw new RangeError('posterior samples must be finite');
  const { mean, sd } = meanAndSampleSd(x);
  return { n, mean, sd, q025: percentileLinear(x, n, INTERVAL_LOWER), q975: percentileLinear(x, n, INTERVAL_UPPER) };
}
