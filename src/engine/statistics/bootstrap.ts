/**
 * Seeded percentile bootstrap over subjects (docs/design.md "Definitions" → "Bootstrap intervals"):
 * the slices of one subject are not independent, so the unit resampled is the subject (cluster
 * bootstrap), never the slice.
 *
 * Given S subject groups (each the list of a subject's cases) and a statistic over a list of cases:
 *   - estimate: the statistic on all cases, in the groups' order;
 *   - resample b = 1..B (default 1000): S subject indices drawn uniformly with replacement from the
 *     stream createRng(seed, 'subject-bootstrap') (engine/random.ts: seedrandom-seeded sfc32),
 *     S draws per resample in order; the resampled cases are the drawn subjects' cases concatenated
 *     (a subject drawn twice appears twice, its slices always together);
 *   - interval: type-7 quantiles (percentileLinear, as HD95) at 2.5 % and 97.5 % of the resample
 *     statistics that are defined. A statistic may be undefined on a resample (null: an AUROC
 *     whose resample holds no poor case); those are left out and counted in `undefinedResamples`,
 *     and the interval is null when none is defined.
 * With one case per subject this is the ordinary (case) bootstrap.
 */
import { percentileLinear } from '../metrics/segmentation-metrics';
import { createRng } from '../random';

export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
export const BOOTSTRAP_LOWER = 0.025;
export const BOOTSTRAP_UPPER = 0.975;

export interface BootstrapInterval {
  /** The statistic on the original cases. */
  estimate: number | null;
  /** [q_0.025, q_0.975] of the defined resample statistics; null when none is defined. */
  interval: [number, number] | null;
  resamples: number;
  undefinedResamples: number;
  subjects: number;
}

export type Statistic<T> = (cases: readonly T[]) => number | null;

/** Cases grouped by subject id, groups in order of first appearance. */
export function groupBySubject<T>(cases: readonly T[], subjectOf: (c: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const c of cases) {
    const id = subjectOf(c);
    const g = groups.get(id);
    if (g) g.push(c);
    else groups.set(id, [c]);
  }
  return [...groups.values()];
}

/** The seeded subject draws: B arrays of S indices in [0, S). */
export function* subjectDraws(subjects: number, resamples: number, seed: number | string): Generator<number[]> {
  const rng = createRng(seed, 'subject-bootstrap');
  for (let b = 0; b < resamples; b++) yield Array.from({ length: subjects }, () => rng.int(0, subjects - 1));
}

/** The interval of the defined resample statistics `values` (see the header). */
export function percentileInterval(
  estimate: number | null,
  values: readonly number[],
  resamples: number,
  subjects: number,
): BootstrapInterval {
  const x = Float64Array.from(values);
  return {
    estimate,
    interval:
      x.length === 0
        ? null
        : [percentileLinear(x, x.length, BOOTSTRAP_LOWER), percentileLinear(x, x.length, BOOTSTRAP_UPPER)],
    resamples,
    undefinedResamples: resamples - values.length,
    subjects,
  };
}

function defined(v: number | null, values: number[]) {
  if (v === null) return;
  if (Number.isNaN(v)) throw new RangeError('the bootstrap statistic returned NaN; return null for undefined');
  values.push(v);
}

/** Percentile interval of `statistic` over the resamples that `draws` names (each an index list into groups). */
export function bootstrapOver<T>(
  groups: readonly (readonly T[])[],
  statistic: Statistic<T>,
  draws: Iterable<readonly number[]>,
): BootstrapInterval {
  if (groups.length === 0) throw new RangeError('the bootstrap needs at least one subject');
  const values: number[] = [];
  let resamples = 0;
  for (const draw of draws) {
    resamples++;
    defined(statistic(draw.flatMap((s) => groups[s])), values);
  }
  return percentileInterval(statistic(groups.flat()), values, resamples, groups.length);
}

/**
 * The seeded subject draws as multiplicities: per resample, how many times each subject was drawn
 * (the same draws as subjectDraws). A statistic that is a function of per-subject sufficient
 * statistics (sums, counts, histograms, a subject's cases in score order) weighted by these gives
 * the value on the concatenated resample without building it.
 */
export function subjectMultiplicities(subjects: number, resamples: number, seed: number | string): Int32Array[] {
  const out: Int32Array[] = [];
  for (const draw of subjectDraws(subjects, resamples, seed)) {
    const w = new Int32Array(subjects);
    for (const s of draw) w[s]++;
    out.push(w);
  }
  return out;
}

/** A statistic of subject multiplicities (all ones: the original cases). */
export type WeightedStatistic = (weights: Int32Array) => number | null;

/** Percentile interval of `statistic` over resamples given as multiplicities (subjectMultiplicities). */
export function bootstrapWeighted(
  subjects: number,
  statistic: WeightedStatistic,
  multiplicities: readonly Int32Array[],
): BootstrapInterval {
  if (subjects === 0) throw new RangeError('the bootstrap needs at least one subject');
  const values: number[] = [];
  for (const w of multiplicities) defined(statistic(w), values);
  return percentileInterval(statistic(new Int32Array(subjects).fill(1)), values, multiplicities.length, subjects);
}

/** Σ_s w_s·sum_s / Σ_s w_s·count_s: a mean over the resampled cases; null when no case counts. */
export function weightedMean(sums: ArrayLike<number>, counts: ArrayLike<number>): WeightedStatistic {
  return (w) => {
    let num = 0;
    let den = 0;
    for (let s = 0; s < w.length; s++) {
      if (w[s] === 0) continue;
      num += w[s] * sums[s];
      den += w[s] * counts[s];
    }
    return den === 0 ? null : num / den;
  };
}

export interface SubjectBootstrapOptions {
  seed: number | string;
  resamples?: number;
}

/** The seeded subject bootstrap of `statistic` over subject groups. */
export function subjectBootstrap<T>(
  groups: readonly (readonly T[])[],
  statistic: Statistic<T>,
  options: SubjectBootstrapOptions,
): BootstrapInterval {
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  return bootstrapOver(groups, statistic, subjectDraws(groups.length, resamples, options.seed));
}
