/**
 * SQL fragments shared by the evaluation queries: predictions of one evaluation joined to their
 * slice, subject and dataset, restricted by a SliceScope. Values are always bound parameters.
 */
import { Prisma } from '../db/generated/client';
import type { SliceScope } from '../schema/evaluation.type';

export const SCOPED_PREDICTIONS = Prisma.sql`
  "Prediction" p
  JOIN "Slice" s ON s.id = p."sliceId"
  JOIN "Subject" su ON su.id = s."subjectId"
  JOIN "Dataset" d ON d.id = su."datasetId"`;

export function scopeWhere(evaluationId: string, scope: SliceScope | undefined): Prisma.Sql {
  const conditions = [Prisma.sql`p."evaluationId" = ${evaluationId}::uuid`];
  if (scope?.split) conditions.push(Prisma.sql`su.split = ${scope.split}::"Split"`);
  if (scope?.site) conditions.push(Prisma.sql`d.site = ${scope.site}`);
  if (scope?.group) conditions.push(Prisma.sql`su."group" = ${scope.group}`);
  if (scope?.phase) conditions.push(Prisma.sql`s.phase = ${scope.phase}::"Phase"`);
  if (scope?.positionMin !== undefined) conditions.push(Prisma.sql`s.position >= ${scope.positionMin}`);
  if (scope?.positionMax !== undefined) conditions.push(Prisma.sql`s.position <= ${scope.positionMax}`);
  return Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
}
