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

/**
 * Structure-metric rows of one evaluation (alias `sm`, with its image row `im`), joined to their
 * slice (`s`) only when the scope or the caller needs it, and to subject and dataset only when the
 * scope filters on them: the common unfiltered curve reads two indexed tables and nothing else.
 */
export function structureRows(
  evaluationId: string,
  scope: SliceScope | undefined,
  options: { slice?: boolean } = {},
): Prisma.Sql {
  const needSubject = Boolean(scope?.split || scope?.site || scope?.group);
  const needSlice =
    needSubject ||
    options.slice ||
    Boolean(scope?.phase) ||
    scope?.positionMin !== undefined ||
    scope?.positionMax !== undefined;
  // The evaluation on both sides lets the planner read the image rows through their evaluation
  // index instead of scanning every evaluation's (a 1 M-row store: 2.6 s instead of 3.7 s, bench/store.bench.ts).
  const joins = [
    Prisma.sql`"StructureMetric" sm JOIN "ImageMetric" im ON im."predictionId" = sm."predictionId" AND im."evaluationId" = sm."evaluationId"`,
  ];
  if (needSlice)
    joins.push(Prisma.sql`JOIN "Prediction" p ON p.id = sm."predictionId" JOIN "Slice" s ON s.id = p."sliceId"`);
  if (needSubject)
    joins.push(Prisma.sql`JOIN "Subject" su ON su.id = s."subjectId" JOIN "Dataset" d ON d.id = su."datasetId"`);
  const conditions = [Prisma.sql`sm."evaluationId" = ${evaluationId}::uuid`, ...scopeConditions(scope)];
  return Prisma.sql`${Prisma.join(joins, ' ')} WHERE ${Prisma.join(conditions, ' AND ')}`;
}

function scopeConditions(scope: SliceScope | undefined): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (scope?.split) conditions.push(Prisma.sql`su.split = ${scope.split}::"Split"`);
  if (scope?.site) conditions.push(Prisma.sql`d.site = ${scope.site}`);
  if (scope?.group) conditions.push(Prisma.sql`su."group" = ${scope.group}`);
  if (scope?.phase) conditions.push(Prisma.sql`s.phase = ${scope.phase}::"Phase"`);
  if (scope?.positionMin !== undefined) conditions.push(Prisma.sql`s.position >= ${scope.positionMin}`);
  if (scope?.positionMax !== undefined) conditions.push(Prisma.sql`s.position <= ${scope.positionMax}`);
  return conditions;
}

export function scopeWhere(evaluationId: string, scope: SliceScope | undefined): Prisma.Sql {
  const conditions = [Prisma.sql`p."evaluationId" = ${evaluationId}::uuid`, ...scopeConditions(scope)];
  return Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
}
