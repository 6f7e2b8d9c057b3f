/**
 * Read-side SQL over an evaluation's stored rows: per-structure summaries, calibration histogram
 * sums, quartiles, the (score, poor) pairs QC curves and correlations are computed from, and the
 * evaluated slices in review order. Every query takes a SliceScope, so analysts' filters apply;
 * values are always bound parameters. The curves themselves are services/evaluation-analytics.ts.
 */
import { Prisma } from '../db/generated/client';
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { STRUCTURES, type UncertaintyMeasureName } from '../domain/constants';
import { SCOPED_PREDICTIONS, metricRows, scopeWhere, structureRows, type SliceScope } from './scope-sql';

export interface StructureSummary {
  structure: Structure;
  n: number;
  kept: number;
  undefinedCount: number;
  poorCount: number;
  /** Never null: every structure row has a Dice (0 when one mask is empty). */
  dice: number;
  assd: number | null;
  hd: number | null;
  hd95: number | null;
  diceWithin: number | null;
  assdWithin: number | null;
}

export interface Distribution {
  n: number;
  mean: number | null;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
}

/** Per-structure summaries of each evaluation in `ids` (one statement, grouped by evaluation). */
export async function structureSummariesByEvaluation(
  store: Store,
  ids: readonly string[],
  scope?: SliceScope,
): Promise<Map<string, StructureSummary[]>> {
  const rows = await store.$queryRaw<Array<StructureSummary & { evaluationId: string }>>`
    SELECT sm."evaluationId"::text AS "evaluationId", sm.structure::text AS structure,
      count(*)::int AS n,
      count(sm."assdMm")::int AS kept,
      (count(*) FILTER (WHERE sm.status IN ('PRED_EMPTY', 'GT_EMPTY')))::int AS "undefinedCount",
      (count(*) FILTER (WHERE sm.poor))::int AS "poorCount",
      avg(sm.dice ORDER BY sm."predictionId")::float8 AS dice,
      avg(sm."assdMm" ORDER BY sm."predictionId")::float8 AS assd,
      avg(sm."hdMm" ORDER BY sm."predictionId")::float8 AS hd,
      avg(sm."hd95Mm" ORDER BY sm."predictionId")::float8 AS hd95,
      avg(sm."diceWithin" ORDER BY sm."predictionId")::float8 AS "diceWithin",
      avg(sm."assdWithinMm" ORDER BY sm."predictionId")::float8 AS "assdWithin"
    FROM ${metricRows('structure', ids, scope)}
    GROUP BY sm."evaluationId", sm.structure`;
  return new Map(
    ids.map((id) => [
      id,
      STRUCTURES.map((s) => rows.find((r) => r.evaluationId === id && r.structure === s))
        .filter((r): r is StructureSummary & { evaluationId: string } => r !== undefined)
        .map(({ evaluationId: _, ...summary }) => summary),
    ]),
  );
}

export async function structureSummaries(
  store: Store,
  evaluationId: string,
  scope?: SliceScope,
): Promise<StructureSummary[]> {
  return (await structureSummariesByEvaluation(store, [evaluationId], scope)).get(evaluationId)!;
}

export interface ImageMeans {
  nll: number | null;
  brier: number | null;
  entropy: number | null;
  mi: number | null;
}

/**
 * Mean NLL, Brier score, predictive entropy and MI (nats) of the slices in scope, per evaluation in
 * `ids` (absent: no slice in scope). Float sums here and in the other summaries run in
 * prediction-id order: a scope changes the plan, and a sum in another order can differ in its last
 * digit, so the same slices would otherwise give two answers.
 */
export async function imageMeansByEvaluation(store: Store, ids: readonly string[], scope?: SliceScope) {
  const rows = await store.$queryRaw<Array<ImageMeans & { evaluationId: string }>>`
    SELECT im."evaluationId"::text AS "evaluationId",
      avg(im.nll ORDER BY im."predictionId")::float8 AS nll, avg(im.brier ORDER BY im."predictionId")::float8 AS brier,
      avg(im.entropy ORDER BY im."predictionId")::float8 AS entropy, avg(im.mi ORDER BY im."predictionId")::float8 AS mi
    FROM ${metricRows('image', ids, scope)} GROUP BY im."evaluationId"`;
  return new Map(rows.map(({ evaluationId, ...means }) => [evaluationId, means as ImageMeans]));
}

export interface BinSum {
  i: number;
  count: number;
  conf: number;
  correct: number;
}

/** The stored reliability histograms summed over the slices in scope, per evaluation and stored bin i (1-based). */
export async function calibrationBinSumsByEvaluation(store: Store, ids: readonly string[], scope?: SliceScope) {
  const rows = await store.$queryRaw<Array<BinSum & { evaluationId: string }>>`
    SELECT im."evaluationId"::text AS "evaluationId", u.i::int AS i, sum(u.c)::float8 AS count,
      sum(u.conf ORDER BY im."predictionId")::float8 AS conf, sum(u.cor)::float8 AS correct
    FROM (SELECT im."evaluationId", im."predictionId", im."binCounts", im."binConfidenceSum", im."binCorrect" FROM ${metricRows('image', ids, scope)}) im,
      unnest(im."binCounts", im."binConfidenceSum", im."binCorrect") WITH ORDINALITY AS u(c, conf, cor, i)
    GROUP BY im."evaluationId", u.i ORDER BY im."evaluationId", u.i`;
  const out = new Map<string, BinSum[]>(ids.map((id) => [id, []]));
  for (const { evaluationId, ...bin } of rows) out.get(evaluationId)?.push(bin);
  return out;
}

/** The uncertainty score a QC measure flags by (higher = review first). */
export const SCORE_SQL: Record<UncertaintyMeasureName, Prisma.Sql> = {
  ENTROPY: Prisma.sql`im.entropy`,
  MI: Prisma.sql`im.mi`,
  DICE_WITHIN: Prisma.sql`1 - sm."diceWithin"`,
  ASSD_WITHIN: Prisma.sql`coalesce(sm."assdWithinMm", 'Infinity'::float8)`,
};

/** The raw value correlated with ASSD. */
export const VALUE_SQL: Record<UncertaintyMeasureName, Prisma.Sql> = {
  ENTROPY: Prisma.sql`im.entropy`,
  MI: Prisma.sql`im.mi`,
  DICE_WITHIN: Prisma.sql`sm."diceWithin"`,
  ASSD_WITHIN: Prisma.sql`sm."assdWithinMm"`,
};

export interface QcRow {
  score: number;
  value: number | null;
  poor: boolean;
  assd: number | null;
}

export async function qcRows(
  store: Store,
  evaluationId: string,
  structure: Structure,
  measure: UncertaintyMeasureName,
  scope?: SliceScope,
) {
  return store.$queryRaw<QcRow[]>`
    SELECT (${SCORE_SQL[measure]})::float8 AS score, (${VALUE_SQL[measure]})::float8 AS value, sm.poor, sm."assdMm"::float8 AS assd
    FROM ${structureRows(evaluationId, scope)} AND sm.structure = ${structure}::"Structure"`;
}

/** The slice-position baseline's score (engine slicePositionScore: −min(i, n − 1 − i)), over `s`. */
export const POSITION_SCORE_SQL = Prisma.sql`-least(s."sliceIndex", s."sliceCount" - 1 - s."sliceIndex")`;

/** Columns a distribution may be asked of: structure-level and image-level. */
export const STRUCTURE_COLUMNS = {
  dice: 'dice',
  assd: 'assdMm',
  hd: 'hdMm',
  hd95: 'hd95Mm',
  diceWithin: 'diceWithin',
  assdWithin: 'assdWithinMm',
} as const;
export const IMAGE_COLUMNS = { entropy: 'entropy', mi: 'mi', nll: 'nll', brier: 'brier' } as const;

/** `order`: the row key the mean sums in, so it does not depend on the plan (see imageMeansByEvaluation). */
const DISTRIBUTION = (column: Prisma.Sql, order: Prisma.Sql) => Prisma.sql`
  count(${column})::int AS n, avg(${column} ORDER BY ${order})::float8 AS mean, min(${column})::float8 AS min,
  (percentile_cont(0.25) WITHIN GROUP (ORDER BY ${column}))::float8 AS q1,
  (percentile_cont(0.5) WITHIN GROUP (ORDER BY ${column}))::float8 AS median,
  (percentile_cont(0.75) WITHIN GROUP (ORDER BY ${column}))::float8 AS q3,
  max(${column})::float8 AS max`;

/** A distribution of every column in `columns` (alias.column by name), per evaluation and per `group` key. */
function unpivoted(columns: Record<string, string>, alias: 'sm' | 'im') {
  return Prisma.join(
    Object.entries(columns).map(([metric, column]) => Prisma.sql`(${metric}, ${Prisma.raw(`${alias}."${column}"`)})`),
    ', ',
  );
}

/**
 * Per evaluation in `ids`, per structure with rows in scope and per STRUCTURE_COLUMNS metric, the
 * distribution (one statement: the rows unpivoted into (metric, value), grouped; the mean sums in
 * prediction-id order, as the other summaries).
 */
export async function structureDistributionsByEvaluation(store: Store, ids: readonly string[], scope?: SliceScope) {
  const rows = await store.$queryRaw<
    Array<Distribution & { evaluationId: string; structure: Structure; metric: keyof typeof STRUCTURE_COLUMNS }>
  >`
    SELECT sm."evaluationId"::text AS "evaluationId", sm.structure::text AS structure, v.metric,
      ${DISTRIBUTION(Prisma.sql`v.x`, Prisma.sql`sm."predictionId"`)}
    FROM (SELECT sm.* FROM ${metricRows('structure', ids, scope)}) sm
      CROSS JOIN LATERAL (VALUES ${unpivoted(STRUCTURE_COLUMNS, 'sm')}) AS v(metric, x)
    GROUP BY sm."evaluationId", sm.structure, v.metric`;
  const key = (id: string, metric: string, structure: string) => `${id}|${metric}|${structure}`;
  const found = new Map(
    rows.map(({ evaluationId, metric, structure, ...d }) => [key(evaluationId, metric, structure), d]),
  );
  /** Per evaluation and metric: the structures with rows, in enum order. */
  return (evaluationId: string, metric: keyof typeof STRUCTURE_COLUMNS) =>
    STRUCTURES.flatMap((structure) => {
      const d = found.get(key(evaluationId, metric, structure));
      return d ? [{ structure, ...d }] : [];
    });
}

const NO_ROWS: Distribution = { n: 0, mean: null, min: null, q1: null, median: null, q3: null, max: null };

/**
 * Per evaluation in `ids` and IMAGE_COLUMNS metric, the distribution over the slices in scope (one
 * statement, as structureDistributionsByEvaluation); n = 0 where no slice is in scope.
 */
export async function imageDistributionsByEvaluation(store: Store, ids: readonly string[], scope?: SliceScope) {
  const rows = await store.$queryRaw<Array<Distribution & { evaluationId: string; metric: string }>>`
    SELECT im."evaluationId"::text AS "evaluationId", v.metric,
      ${DISTRIBUTION(Prisma.sql`v.x`, Prisma.sql`im."predictionId"`)}
    FROM (SELECT im.* FROM ${metricRows('image', ids, scope)}) im
      CROSS JOIN LATERAL (VALUES ${unpivoted(IMAGE_COLUMNS, 'im')}) AS v(metric, x)
    GROUP BY im."evaluationId", v.metric`;
  const found = new Map(rows.map(({ evaluationId, metric, ...d }) => [`${evaluationId}|${metric}`, d]));
  return (evaluationId: string, metric: keyof typeof IMAGE_COLUMNS): Distribution =>
    found.get(`${evaluationId}|${metric}`) ?? NO_ROWS;
}

/** The order in which `predictions(sortBy)` lists slices: most uncertain first. */
const SORT_SQL: Record<UncertaintyMeasureName, Prisma.Sql> = {
  ENTROPY: Prisma.sql`im.entropy`,
  MI: Prisma.sql`im.mi`,
  DICE_WITHIN: Prisma.sql`(SELECT avg(1 - x."diceWithin") FROM "StructureMetric" x WHERE x."predictionId" = p.id)`,
  ASSD_WITHIN: Prisma.sql`(SELECT max(coalesce(x."assdWithinMm", 'Infinity'::float8)) FROM "StructureMetric" x WHERE x."predictionId" = p.id)`,
};

/** Ids of the predictions in scope, in slice order or most uncertain first by `sortBy`. */
export async function predictionIdsInOrder(
  store: Store,
  evaluationId: string,
  scope: SliceScope | undefined,
  sortBy: UncertaintyMeasureName | undefined,
) {
  const order = sortBy
    ? Prisma.sql`ORDER BY ${SORT_SQL[sortBy]} DESC NULLS FIRST, p.id`
    : Prisma.sql`ORDER BY su."externalId", s.phase, s."sliceIndex", p.id`;
  const rows = await store.$queryRaw<Array<{ id: string }>>`
    SELECT p.id::text AS id FROM ${SCOPED_PREDICTIONS} JOIN "ImageMetric" im ON im."predictionId" = p.id
    ${scopeWhere(evaluationId, scope)} ${order}`;
  return rows.map((r) => r.id);
}
