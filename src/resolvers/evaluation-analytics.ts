/**
 * Read-side analytics of an evaluation: SQL aggregates over the stored rows (summaries,
 * calibration histograms, quartiles) and the engine's curve functions over SQL-selected pairs
 * (QC curves, Spearman). Every function takes a SliceScope, so analysts' filters apply.
 */
import { Prisma } from '../db/generated/client';
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { expectedCalibrationError, reliabilityDiagram, type ReliabilityHistogram } from '../engine/metrics/calibration';
import { qcCurve, randomReviewBaseline, reviewFractionAt, slicePositionBaseline, type QcCurve as EngineQcCurve } from '../engine/metrics/qc-curve';
import { spearman } from '../engine/metrics/spearman';
import { badInput } from './errors';
import { SCOPED_PREDICTIONS, scopeWhere, structureRows } from './scope-sql';
import type { Calibration, Distribution, QcCurve, SliceScope, StructureSummary } from '../schema/evaluation.type';
import { UncertaintyMeasure } from '../schema/evaluation.type';

const STRUCTURES: Structure[] = ['LV', 'MYO', 'RV'];

export async function structureSummaries(store: Store, evaluationId: string, scope?: SliceScope): Promise<StructureSummary[]> {
  const rows = await store.$queryRaw<Array<StructureSummary & { structure: Structure }>>`
    SELECT sm.structure::text AS structure,
      count(*)::int AS n,
      count(sm."assdMm")::int AS kept,
      (count(*) FILTER (WHERE sm.status IN ('PRED_EMPTY', 'GT_EMPTY')))::int AS "undefinedCount",
      (count(*) FILTER (WHERE sm.poor))::int AS "poorCount",
      avg(sm.dice)::float8 AS dice,
      avg(sm."assdMm")::float8 AS assd,
      avg(sm."hdMm")::float8 AS hd,
      avg(sm."hd95Mm")::float8 AS hd95,
      avg(sm."diceWithin")::float8 AS "diceWithin",
      avg(sm."assdWithinMm")::float8 AS "assdWithin"
    FROM "StructureMetric" sm JOIN ${SCOPED_PREDICTIONS} ON p.id = sm."predictionId"
    ${scopeWhere(evaluationId, scope)}
    GROUP BY sm.structure ORDER BY sm.structure`;
  return STRUCTURES.map((s) => rows.find((r) => r.structure === s)).filter((r): r is StructureSummary => r !== undefined);
}

export async function calibrationOf(store: Store, evaluationId: string, storedBins: number, bins: number, scope?: SliceScope): Promise<Calibration> {
  if (!Number.isInteger(bins) || bins < 1 || storedBins % bins !== 0) {
    throw badInput(`bins must divide the stored ${storedBins} bins (e.g. ${storedBins}, ${[5, 3, 1].filter((b) => storedBins % b === 0).join(', ')})`, 'bins');
  }
  const [means] = await store.$queryRaw<Array<{ nll: number | null; brier: number | null }>>`
    SELECT avg(im.nll)::float8 AS nll, avg(im.brier)::float8 AS brier
    FROM "ImageMetric" im JOIN ${SCOPED_PREDICTIONS} ON p.id = im."predictionId" ${scopeWhere(evaluationId, scope)}`;
  const sums = await store.$queryRaw<Array<{ i: number; count: number; conf: number; correct: number }>>`
    SELECT u.i::int AS i, sum(u.c)::float8 AS count, sum(u.conf)::float8 AS conf, sum(u.cor)::float8 AS correct
    FROM "ImageMetric" im JOIN ${SCOPED_PREDICTIONS} ON p.id = im."predictionId",
      unnest(im."binCounts", im."binConfidenceSum", im."binCorrect") WITH ORDINALITY AS u(c, conf, cor, i)
    ${scopeWhere(evaluationId, scope)}
    GROUP BY u.i ORDER BY u.i`;
  const group = storedBins / bins;
  const histogram: ReliabilityHistogram = {
    bins,
    count: new Array<number>(bins).fill(0),
    sumConfidence: new Array<number>(bins).fill(0),
    sumCorrect: new Array<number>(bins).fill(0),
  };
  for (const row of sums) {
    const b = Math.floor((row.i - 1) / group);
    histogram.count[b] += row.count;
    histogram.sumConfidence[b] += row.conf;
    histogram.sumCorrect[b] += row.correct;
  }
  return {
    bins,
    ece: expectedCalibrationError(histogram),
    nll: means?.nll ?? null,
    brier: means?.brier ?? null,
    points: reliabilityDiagram(histogram).map((bin) => ({
      binCentre: (bin.lower + bin.upper) / 2,
      confidence: bin.meanConfidence,
      accuracy: bin.accuracy,
      count: bin.count,
    })),
  };
}

/** The uncertainty score a QC measure flags by (higher = review first). */
const SCORE_SQL: Record<UncertaintyMeasure, Prisma.Sql> = {
  ENTROPY: Prisma.sql`im.entropy`,
  MI: Prisma.sql`im.mi`,
  DICE_WITHIN: Prisma.sql`1 - sm."diceWithin"`,
  ASSD_WITHIN: Prisma.sql`coalesce(sm."assdWithinMm", 'Infinity'::float8)`,
};

/** The raw value correlated with ASSD. */
const VALUE_SQL: Record<UncertaintyMeasure, Prisma.Sql> = {
  ENTROPY: Prisma.sql`im.entropy`,
  MI: Prisma.sql`im.mi`,
  DICE_WITHIN: Prisma.sql`sm."diceWithin"`,
  ASSD_WITHIN: Prisma.sql`sm."assdWithinMm"`,
};

interface QcRow { score: number; value: number | null; poor: boolean; assd: number | null }
interface PositionRow { poor: boolean; sliceIndex: number; sliceCount: number }

async function qcRows(store: Store, evaluationId: string, structure: Structure, measure: UncertaintyMeasure, scope?: SliceScope) {
  return store.$queryRaw<QcRow[]>`
    SELECT (${SCORE_SQL[measure]})::float8 AS score, (${VALUE_SQL[measure]})::float8 AS value, sm.poor, sm."assdMm"::float8 AS assd
    FROM ${structureRows(evaluationId, scope)} AND sm.structure = ${structure}::"Structure"`;
}

async function positionRows(store: Store, evaluationId: string, structure: Structure, scope?: SliceScope) {
  return store.$queryRaw<PositionRow[]>`
    SELECT sm.poor, s."sliceIndex" AS "sliceIndex", s."sliceCount" AS "sliceCount"
    FROM ${structureRows(evaluationId, scope, { slice: true })} AND sm.structure = ${structure}::"Structure"`;
}

function toGraphQL(curve: EngineQcCurve, reviewAt: (target: number) => number): QcCurve & { reviewAtFn: (t: number) => number } {
  return {
    points: curve.points.map(([flagged, remaining]) => ({ flagged, remaining })),
    auc: curve.auc,
    n: curve.n,
    poor: curve.poor,
    raw: curve.points,
    reviewAtFn: reviewAt,
  };
}

export async function qcCurveOf(store: Store, evaluationId: string, structure: Structure, measure: UncertaintyMeasure, scope?: SliceScope) {
  const rows = await qcRows(store, evaluationId, structure, measure, scope);
  if (rows.length === 0) return null;
  const curve = qcCurve(rows.map((r) => r.score), rows.map((r) => r.poor));
  return toGraphQL(curve, (target) => reviewFractionAt(curve.points, target));
}

export async function baselinesOf(store: Store, evaluationId: string, structure: Structure, scope?: SliceScope) {
  const rows = await positionRows(store, evaluationId, structure, scope);
  if (rows.length === 0) return null;
  const poor = rows.map((r) => r.poor);
  const random = randomReviewBaseline(rows.length, poor.filter(Boolean).length);
  const position = slicePositionBaseline(rows.map((r) => r.sliceIndex), rows.map((r) => r.sliceCount), poor);
  return {
    random: toGraphQL(random, (target) => randomReviewBaseline(random.n, random.poor, target).reviewFraction),
    slicePosition: toGraphQL(position, (target) => reviewFractionAt(position.points, target)),
  };
}

export async function correlationsOf(store: Store, evaluationId: string, scope?: SliceScope) {
  const out = [];
  for (const structure of STRUCTURES) {
    for (const measure of Object.values(UncertaintyMeasure)) {
      const rows = await qcRows(store, evaluationId, structure, measure, scope);
      const r = spearman(rows.map((row) => row.value), rows.map((row) => row.assd));
      out.push({ measure, structure, spearman: r.rho, n: r.n });
    }
  }
  return out;
}

/** Columns a distribution may be asked of: structure-level and image-level. */
export const STRUCTURE_COLUMNS = { dice: 'dice', assd: 'assdMm', hd: 'hdMm', hd95: 'hd95Mm', diceWithin: 'diceWithin', assdWithin: 'assdWithinMm' } as const;
export const IMAGE_COLUMNS = { entropy: 'entropy', mi: 'mi', nll: 'nll', brier: 'brier' } as const;

const DISTRIBUTION = (column: Prisma.Sql) => Prisma.sql`
  count(${column})::int AS n, avg(${column})::float8 AS mean, min(${column})::float8 AS min,
  (percentile_cont(0.25) WITHIN GROUP (ORDER BY ${column}))::float8 AS q1,
  (percentile_cont(0.5) WITHIN GROUP (ORDER BY ${column}))::float8 AS median,
  (percentile_cont(0.75) WITHIN GROUP (ORDER BY ${column}))::float8 AS q3,
  max(${column})::float8 AS max`;

export async function structureDistributions(store: Store, evaluationId: string, metric: keyof typeof STRUCTURE_COLUMNS, scope?: SliceScope) {
  const column = Prisma.raw(`sm."${STRUCTURE_COLUMNS[metric]}"`);
  return store.$queryRaw<Array<Distribution & { structure: Structure }>>`
    SELECT sm.structure::text AS structure, ${DISTRIBUTION(column)}
    FROM "StructureMetric" sm JOIN ${SCOPED_PREDICTIONS} ON p.id = sm."predictionId"
    ${scopeWhere(evaluationId, scope)} GROUP BY sm.structure ORDER BY sm.structure`;
}

export async function imageDistribution(store: Store, evaluationId: string, metric: keyof typeof IMAGE_COLUMNS, scope?: SliceScope) {
  const column = Prisma.raw(`im."${IMAGE_COLUMNS[metric]}"`);
  const [row] = await store.$queryRaw<Distribution[]>`
    SELECT ${DISTRIBUTION(column)}
    FROM "ImageMetric" im JOIN ${SCOPED_PREDICTIONS} ON p.id = im."predictionId" ${scopeWhere(evaluationId, scope)}`;
  return row;
}
