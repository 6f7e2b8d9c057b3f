/**
 * The per-class and fine top-label histograms of the slices in scope, summed in SQL (docs/design.md
 * "More calibration measures"): per-class cells by position, fine bins by their index with their
 * extremes combined, and how many slices lack them (rows stored before migration
 * calibration_histograms). Float sums run in prediction-id order, as the other summaries
 * (evaluation-queries.ts calibrationMeans).
 */
import type { Store } from '../db/client';
import { metricRows, type SliceScope } from './scope-sql';

export interface HistogramCoverage {
  slices: number;
  /** Slices whose row has no per-class or no fine histogram. */
  missing: number;
}

export async function histogramCoverage(
  store: Store,
  evaluationId: string,
  scope?: SliceScope,
): Promise<HistogramCoverage> {
  const [row] = await store.$queryRaw<HistogramCoverage[]>`
    SELECT count(*)::int AS slices,
      (count(*) FILTER (WHERE im."classBinCounts" IS NULL OR im."fineBinIndex" IS NULL))::int AS missing
    FROM ${metricRows('image', evaluationId, scope)}`;
  return row;
}

/** Per-class cells (class-major, C × bins), 1-based position i. */
export async function classBinSums(store: Store, evaluationId: string, scope?: SliceScope) {
  return store.$queryRaw<Array<{ i: number; count: number; probability: number; hits: number }>>`
    SELECT u.i::int AS i, sum(u.c)::float8 AS count, sum(u.p ORDER BY im."predictionId")::float8 AS probability, sum(u.h)::float8 AS hits
    FROM (SELECT im."predictionId", im."classBinCounts", im."classBinProbabilitySum", im."classBinHits" FROM ${metricRows('image', evaluationId, scope)}) im,
      unnest(im."classBinCounts", im."classBinProbabilitySum", im."classBinHits") WITH ORDINALITY AS u(c, p, h, i)
    GROUP BY u.i ORDER BY u.i`;
}

/** Non-empty fine bins, ascending in confidence. */
export async function fineBinSums(store: Store, evaluationId: string, scope?: SliceScope) {
  return store.$queryRaw<
    Array<{ bin: number; count: number; confidence: number; correct: number; min: number; max: number }>
  >`
    SELECT u.b::int AS bin, sum(u.c)::float8 AS count, sum(u.conf ORDER BY im."predictionId")::float8 AS confidence,
      sum(u.cor)::float8 AS correct, min(u.lo)::float8 AS min, max(u.hi)::float8 AS max
    FROM (SELECT im."predictionId", im."fineBinIndex", im."fineBinCounts", im."fineBinConfidenceSum", im."fineBinCorrect", im."fineBinMin", im."fineBinMax"
          FROM ${metricRows('image', evaluationId, scope)}) im,
      unnest(im."fineBinIndex", im."fineBinCounts", im."fineBinConfidenceSum", im."fineBinCorrect", im."fineBinMin", im."fineBinMax") AS u(b, c, conf, cor, lo, hi)
    GROUP BY u.b ORDER BY u.b`;
}
