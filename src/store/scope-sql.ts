/**
 * SQL fragments shared by the evaluation queries: predictions of one evaluation joined to their
 * slice, subject and dataset, restricted by a SliceScope. Values are always bound parameters.
 */
import { Prisma } from '../db/generated/client';
import type { Phase, Split } from '../db/generated/enums';

/** Which slices a read covers (the API's `SliceScope` input has this shape). */
export interface SliceScope {
  split?: Split | null;
  site?: string | null;
  group?: string | null;
  phase?: Phase | null;
  positionMin?: number | null;
  positionMax?: number | null;
}

export const SCOPED_PREDICTIONS = Prisma.sql`
  "Prediction" p
  JOIN "Slice" s ON s.id = p."sliceId"
  JOIN "Subject" su ON su.id = s."subjectId"
  JOIN "Dataset" d ON d.id = su."datasetId"`;

/** The metric tables an evaluation's reads start from, with the alias each query uses. */
const METRIC_TABLES = {
  structure: Prisma.sql`"StructureMetric" sm`,
  image: Prisma.sql`"ImageMetric" im`,
} as const;
const METRIC_ALIAS = { structure: Prisma.raw('sm'), image: Prisma.raw('im') } as const;

/** One evaluation, or several (`compare` reads all of its evaluations in one statement). */
export type EvaluationIds = string | readonly string[];

function evaluationCondition(column: Prisma.Sql, ids: EvaluationIds): Prisma.Sql {
  return typeof ids === 'string'
    ? Prisma.sql`${column} = ${ids}::uuid`
    : Prisma.sql`${column} = ANY(${[...ids]}::uuid[])`;
}

/**
 * Metric rows of one evaluation (or several) — structure rows (`sm`), image rows (`im`), or structure rows with
 * their image row — joined to their slice (`s`) only when the scope or the caller needs it, and to
 * subject and dataset only when the scope filters on them. The common unfiltered read then touches
 * the metric tables alone, through their covering indexes (docs/design.md "Store").
 */
export function metricRows(
  table: keyof typeof METRIC_TABLES,
  evaluationId: EvaluationIds,
  scope: SliceScope | undefined,
  options: { slice?: boolean; image?: boolean } = {},
): Prisma.Sql {
  const needSubject = Boolean(scope?.split || scope?.site || scope?.group);
  const needSlice =
    needSubject || options.slice || Boolean(scope?.phase) || isSet(scope?.positionMin) || isSet(scope?.positionMax);
  const alias = METRIC_ALIAS[table];
  const joins = [METRIC_TABLES[table]];
  // The evaluation on both sides lets the planner merge the two covering indexes (evaluation, prediction).
  if (table === 'structure' && options.image)
    joins.push(
      Prisma.sql`JOIN "ImageMetric" im ON im."predictionId" = sm."predictionId" AND im."evaluationId" = sm."evaluationId"`,
    );
  if (needSlice)
    joins.push(Prisma.sql`JOIN "Prediction" p ON p.id = ${alias}."predictionId" JOIN "Slice" s ON s.id = p."sliceId"`);
  if (needSubject)
    joins.push(Prisma.sql`JOIN "Subject" su ON su.id = s."subjectId" JOIN "Dataset" d ON d.id = su."datasetId"`);
  const conditions = [
    evaluationCondition(Prisma.sql`${alias}."evaluationId"`, evaluationId),
    // Said of the image rows too: the planner carries `= id` across the join, not `= ANY(ids)`, and
    // would otherwise read every evaluation's image rows to join the few wanted.
    ...(table === 'structure' && options.image && typeof evaluationId !== 'string'
      ? [evaluationCondition(Prisma.sql`im."evaluationId"`, evaluationId)]
      : []),
    ...scopeConditions(scope),
  ];
  return Prisma.sql`${Prisma.join(joins, ' ')} WHERE ${Prisma.join(conditions, ' AND ')}`;
}

/** Structure rows of one evaluation (or several) with their image row (`sm`, `im`; see metricRows). */
export function structureRows(
  evaluationId: EvaluationIds,
  scope: SliceScope | undefined,
  options: { slice?: boolean } = {},
): Prisma.Sql {
  return metricRows('structure', evaluationId, scope, { ...options, image: true });
}

/** A bound given: GraphQL sends an explicit null for "no bound" as readily as it omits the field. */
const isSet = (bound: number | null | undefined): bound is number => bound !== undefined && bound !== null;

function scopeConditions(scope: SliceScope | undefined): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (scope?.split) conditions.push(Prisma.sql`su.split = ${scope.split}::"Split"`);
  if (scope?.site) conditions.push(Prisma.sql`d.site = ${scope.site}`);
  if (scope?.group) conditions.push(Prisma.sql`su."group" = ${scope.group}`);
  if (scope?.phase) conditions.push(Prisma.sql`s.phase = ${scope.phase}::"Phase"`);
  if (isSet(scope?.positionMin)) conditions.push(Prisma.sql`s.position >= ${scope.positionMin}`);
  if (isSet(scope?.positionMax)) conditions.push(Prisma.sql`s.position <= ${scope.positionMax}`);
  return conditions;
}

export function scopeWhere(evaluationId: string, scope: SliceScope | undefined): Prisma.Sql {
  const conditions = [Prisma.sql`p."evaluationId" = ${evaluationId}::uuid`, ...scopeConditions(scope)];
  return Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
}
