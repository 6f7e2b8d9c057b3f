/**
 * The per-class and fine top-label histograms of the slices in scope, summed in SQL (docs/design.md
 * "More calibration measures"): per-class cells by position, fine bins by their index with their
 * extremes combined, and how many slices lack them (rows stored before migration
 * calibration_histograms). Each read covers several evaluations (the Distortions panel asks for a
 * whole sweep at once), in one statement grouped by evaluation except the per-class cells. Float sums run in
 * prediction-id order, as the other summaries (evaluation-queries.ts imageMeansByEvaluation), so a
 * batch sums exactly as a read of one evaluation.
 */
import type { Store } from '../db/client';
import { metricRows, type SliceScope } from './scope-sql';

export interface HistogramCoverage {
  slices: number;
  /** Slices whose row has no per-class or no fine histogram. */
  missing: number;
}

/** Per evaluation in `ids` (absent ones: no slice in scope, { slices: 0, missing: 0 }). */
export async function histogramCoverageByEvaluation(
  store: Store,
  ids: readonly string[],
  scope?: SliceScope,
): Promise<Map<string, HistogramCoverage>> {
  const rows = await store.$queryRaw<Array<HistogramCoverage & { evaluationId: string }>>`
    SELECT im."evaluationId"::text AS "evaluationId", count(*)::int AS slices,
      (count(*) FILTER (WHERE im."classBinCounts" IS NULL OR im."fineBinIndex" IS NULL))::int AS missing
    FROM ${metricRows('image', ids, scope)} GROUP BY im."evaluationId"`;
  const found = new Map(rows.map(({ evaluationId, ...coverage }) => [evaluationId, coverage]));
  return new Map(ids.map((id) => [id, found.get(id) ?? { slices: 0, missing: 0 }]));
}

export interface ClassBinSum {
  i: number;
  count: number;
  probability: number;
  hits: number;
}

/**
 * Per evaluation in `ids`: the per-class cells (class-major, C × bins), 1-based position i. One
 * statement per evaluation, sent together: grouped over several evaluations, the ordered sums sort
 * every evaluation's C × bins × slices values at once, past work_mem, and take longer than the
 * separate statements together.
 */
export async function classBinSumsByEvaluation(
  store: Store,
  ids: readonly string[],
  scope?: SliceScope,
): Promise<Map<string, ClassBinSum[]>> {
  return new Map(await Promise.all(ids.map(async (id) => [id, await classBinSums(store, id, scope)] as const)));
}

async function classBinSums(store: Store, evaluationId: string, scope?: SliceScope) {
  return store.$queryRaw<ClassBinSum[]>`
    SELECT u.i::int AS i, sum(u.c)::float8 AS count, sum(u.p ORDER BY im."predictionId")::float8 AS probability, sum(u.h)::float8 AS hits
    FROM (SELECT im."predictionId", im."classBinCounts", im."classBinProbabilitySum", im."classBinHits" FROM ${metricRows('image', evaluationId, scope)}) im,
      unnest(im."classBinCounts", im."classBinProbabilitySum", im."classBinHits") WITH ORDINALITY AS u(c, p, h, i)
    GROUP BY u.i ORDER BY u.i`;
}

export interface FineBinSum {
  bin: number;
  count: number;
  confidence: number;
  correct: number;
  min: number;
  max: number;
}

/** Per evaluation in `ids`: the non-empty fine bins, ascending in confidence. */
export async function fineBinSumsByEvaluation(
  store: Store,
  ids: readonly string[],
  scope?: SliceScope,
): Promise<Map<string, FineBinSum[]>> {
  const rows = await store.$queryRaw<Array<FineBinSum & { evaluationId: string }>>`
    SELECT im."evaluationId"::text AS "evaluationId", u.b::int AS bin, sum(u.c)::float8 AS count,
      sum(u.conf ORDER BY im."predictionId")::float8 AS confidence,
      sum(u.cor)::float8 AS correct, min(u.lo)::float8 AS min, max(u.hi)::float8 AS max
    FROM (SELECT im."evaluationId", im."predictionId", im."fineBinIndex", im."fineBinCounts", im."fineBinConfidenceSum", im."fineBinCorrect", im."fineBinMin", im."fineBinMax"
          FROM ${metricRows('image', ids, scope)}) im,
      unnest(im."fineBinIndex", im."fineBinCounts", im."fineBinConfidenceSum", im."fineBinCorrect", im."fineBinMin", im."fineBinMax") AS u(b, c, conf, cor, lo, hi)
    GROUP BY im."evaluationId", u.b ORDER BY im."evaluationId", u.b`;
  const out = new Map<string, FineBinSum[]>(ids.map((id) => [id, []]));
  for (const { evaluationId, ...bin } of rows) out.get(evaluationId)?.push(bin);
  return out;
}
