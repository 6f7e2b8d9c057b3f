/**
 * The per-subject reads behind `compare`'s subject-bootstrap intervals and its QC curves
 * (docs/design.md "Bootstrap intervals", "GraphQL API" → compare): every evaluation in one
 * statement each, restricted by the SliceScope like the other evaluation reads.
 *   - structureCases: each structure row with its subject, the values whose means compare shows,
 *     the QC scores of every measure (SCORE_SQL, so they are the curves' own), the slice-position
 *     score and the measures' raw values (VALUE_SQL, what Evaluation.correlations ranks against ASSD);
 *   - subjectImageSums: per evaluation and subject, the sums and counts of the image-level values
 *     and the stored reliability histograms summed bin by bin (what NLL, Brier, entropy, MI and ECE
 *     of a resample are computed from).
 * Float sums run in prediction-id order (as evaluation-queries.ts's), so an interval does not
 * change in its last digit with the plan.
 */
import { Prisma } from '../db/generated/client';
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { UNCERTAINTY_MEASURES, type UncertaintyMeasureName } from '../domain/constants';
import { POSITION_SCORE_SQL, SCORE_SQL, VALUE_SQL } from './evaluation-queries';
import { metricRows, structureRows, type SliceScope } from './scope-sql';

export interface StructureCase {
  evaluationId: string;
  subjectId: string;
  structure: Structure;
  dice: number;
  assd: number | null;
  hd: number | null;
  hd95: number | null;
  poor: boolean;
  /** QC scores by measure (higher = review first); null where the score is undefined (sorted last). */
  scores: Record<UncertaintyMeasureName, number | null>;
  positionScore: number;
  /** The measures' raw values as Evaluation.correlations ranks them (null where undefined). */
  values: Record<UncertaintyMeasureName, number | null>;
}

export async function structureCases(
  store: Store,
  ids: readonly string[],
  scope?: SliceScope,
): Promise<StructureCase[]> {
  const scoreColumns = UNCERTAINTY_MEASURES.map(
    (m) => Prisma.sql`(${SCORE_SQL[m]})::float8 AS ${Prisma.raw(`"score_${m}"`)}`,
  );
  const valueColumns = UNCERTAINTY_MEASURES.map(
    (m) => Prisma.sql`(${VALUE_SQL[m]})::float8 AS ${Prisma.raw(`"value_${m}"`)}`,
  );
  const rows = await store.$queryRaw<Array<Record<string, unknown>>>`
    SELECT sm."evaluationId"::text AS "evaluationId", s."subjectId"::text AS "subjectId", sm.structure::text AS structure,
      sm.dice::float8 AS dice, sm."assdMm"::float8 AS assd, sm."hdMm"::float8 AS hd, sm."hd95Mm"::float8 AS hd95, sm.poor,
      ${Prisma.join(scoreColumns, ', ')}, (${POSITION_SCORE_SQL})::float8 AS "positionScore",
      ${Prisma.join(valueColumns, ', ')}
    FROM ${structureRows(ids, scope, { slice: true })}
    ORDER BY sm."predictionId", sm.structure`;
  return rows.map((r) => ({
    evaluationId: r.evaluationId as string,
    subjectId: r.subjectId as string,
    structure: r.structure as Structure,
    dice: r.dice as number,
    assd: r.assd as number | null,
    hd: r.hd as number | null,
    hd95: r.hd95 as number | null,
    poor: r.poor as boolean,
    scores: Object.fromEntries(UNCERTAINTY_MEASURES.map((m) => [m, r[`score_${m}`] as number | null])) as Record<
      UncertaintyMeasureName,
      number | null
    >,
    positionScore: r.positionScore as number,
    values: Object.fromEntries(UNCERTAINTY_MEASURES.map((m) => [m, r[`value_${m}`] as number | null])) as Record<
      UncertaintyMeasureName,
      number | null
    >,
  }));
}

export interface SubjectImageSums {
  evaluationId: string;
  subjectId: string;
  slices: number;
  nll: number;
  brier: number;
  entropy: number;
  mi: number;
  /** The subject's reliability histogram: per stored bin, pixel count, Σ confidence, Σ correct. */
  binCounts: number[];
  binConfidence: number[];
  binCorrect: number[];
}

export async function subjectImageSums(
  store: Store,
  ids: readonly string[],
  scope?: SliceScope,
): Promise<SubjectImageSums[]> {
  return store.$queryRaw<SubjectImageSums[]>`
    WITH r AS (SELECT im."evaluationId", s."subjectId", im."predictionId", im.nll, im.brier, im.entropy, im.mi,
                 im."binCounts", im."binConfidenceSum", im."binCorrect"
               FROM ${metricRows('image', ids, scope, { slice: true })}),
    sums AS (SELECT "evaluationId", "subjectId", count(*)::int AS slices, sum(nll ORDER BY "predictionId")::float8 AS nll,
               sum(brier ORDER BY "predictionId")::float8 AS brier, sum(entropy ORDER BY "predictionId")::float8 AS entropy,
               sum(mi ORDER BY "predictionId")::float8 AS mi
             FROM r GROUP BY "evaluationId", "subjectId"),
    bins AS (SELECT r."evaluationId", r."subjectId", u.i, sum(u.c)::float8 AS c,
               sum(u.conf ORDER BY r."predictionId")::float8 AS conf,
               sum(u.cor)::float8 AS cor
             FROM r, unnest(r."binCounts", r."binConfidenceSum", r."binCorrect") WITH ORDINALITY AS u(c, conf, cor, i)
             GROUP BY r."evaluationId", r."subjectId", u.i),
    hist AS (SELECT "evaluationId", "subjectId", array_agg(c ORDER BY i) AS "binCounts",
               array_agg(conf ORDER BY i) AS "binConfidence", array_agg(cor ORDER BY i) AS "binCorrect"
             FROM bins GROUP BY "evaluationId", "subjectId")
    SELECT sums."evaluationId"::text AS "evaluationId", sums."subjectId"::text AS "subjectId", sums.slices,
      sums.nll, sums.brier, sums.entropy, sums.mi,
      coalesce(hist."binCounts", '{}') AS "binCounts", coalesce(hist."binConfidence", '{}') AS "binConfidence",
      coalesce(hist."binCorrect", '{}') AS "binCorrect"
    FROM sums LEFT JOIN hist USING ("evaluationId", "subjectId")`;
}
