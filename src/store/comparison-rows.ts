/**
 * The per-subject reads behind `compare`'s subject-bootstrap intervals and its QC curves
 * (docs/design.md "Bootstrap intervals", "GraphQL API" → compare): every evaluation in one
 * statement each, restricted by the SliceScope like the other evaluation reads.
 *   - subjectStructureSums: per evaluation, subject and structure, the sums and counts of Dice,
 *     ASSD, HD and HD95 (what a resample's means are computed from);
 *   - subjectImageSums: per evaluation and subject, the sums and counts of the image-level values
 *     and the stored reliability histograms summed bin by bin (what NLL, Brier, entropy, MI and ECE
 *     of a resample are computed from);
 *   - structureCases: each structure row with its subject, the QC scores of every measure
 *     (SCORE_SQL, so they are the curves' own), the slice-position score and the measures' raw
 *     values (VALUE_SQL, what Evaluation.correlations ranks against ASSD): read only for the QC
 *     curves and correlations, which need every row.
 * Float sums run in prediction-id order (as evaluation-queries.ts's), so an interval does not
 * change in its last digit with the plan, and a sum equals the same values added in that order.
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
  /** What the measures' values are ranked against (null where undefined). */
  assd: number | null;
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
      sm."assdMm"::float8 AS assd, sm.poor,
      ${Prisma.join(scoreColumns, ', ')}, (${POSITION_SCORE_SQL})::float8 AS "positionScore",
      ${Prisma.join(valueColumns, ', ')}
    FROM ${structureRows(ids, scope, { slice: true })}
    ORDER BY sm."predictionId", sm.structure`;
  return rows.map((r) => ({
    evaluationId: r.evaluationId as string,
    subjectId: r.subjectId as string,
    structure: r.structure as Structure,
    assd: r.assd as number | null,
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

/** The values whose means `compare` gives per structure, each summed over the rows where it is defined. */
export const STRUCTURE_VALUES = ['dice', 'assd', 'hd', 'hd95'] as const;
export type StructureValue = (typeof STRUCTURE_VALUES)[number];

export interface SubjectStructureSums {
  evaluationId: string;
  subjectId: string;
  structure: Structure;
  /** Per value, its sum over the subject's rows of the structure where it is defined, and their count. */
  sums: Record<StructureValue, number>;
  counts: Record<StructureValue, number>;
}

const STRUCTURE_COLUMNS: Record<StructureValue, Prisma.Sql> = {
  dice: Prisma.sql`sm.dice`,
  assd: Prisma.sql`sm."assdMm"`,
  hd: Prisma.sql`sm."hdMm"`,
  hd95: Prisma.sql`sm."hd95Mm"`,
};

export async function subjectStructureSums(
  store: Store,
  ids: readonly string[],
  scope?: SliceScope,
): Promise<SubjectStructureSums[]> {
  const columns = STRUCTURE_VALUES.flatMap((v) => [
    Prisma.sql`coalesce(sum(${STRUCTURE_COLUMNS[v]} ORDER BY sm."predictionId"), 0)::float8 AS ${Prisma.raw(`"sum_${v}"`)}`,
    Prisma.sql`count(${STRUCTURE_COLUMNS[v]})::int AS ${Prisma.raw(`"count_${v}"`)}`,
  ]);
  const rows = await store.$queryRaw<Array<Record<string, unknown>>>`
    SELECT sm."evaluationId"::text AS "evaluationId", s."subjectId"::text AS "subjectId", sm.structure::text AS structure,
      ${Prisma.join(columns, ', ')}
    FROM ${metricRows('structure', ids, scope, { slice: true })}
    GROUP BY sm."evaluationId", s."subjectId", sm.structure`;
  return rows.map((r) => ({
    evaluationId: r.evaluationId as string,
    subjectId: r.subjectId as string,
    structure: r.structure as Structure,
    sums: Object.fromEntries(STRUCTURE_VALUES.map((v) => [v, r[`sum_${v}`] as number])) as Record<
      StructureValue,
      number
    >,
    counts: Object.fromEntries(STRUCTURE_VALUES.map((v) => [v, r[`count_${v}`] as number])) as Record<
      StructureValue,
      number
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

/**
 * `bins`: the most stored bins of the evaluations read; each histogram sum has that many entries,
 * 0 beyond an evaluation's own. Bin b is summed by subscript, one aggregate per bin and array, in
 * the same pass as the image values.
 */
export async function subjectImageSums(
  store: Store,
  ids: readonly string[],
  bins: number,
  scope?: SliceScope,
): Promise<SubjectImageSums[]> {
  const perBin = (column: string, ordered: boolean) =>
    Prisma.join(
      Array.from({ length: bins }, (_, b) => {
        const entry = Prisma.raw(`im."${column}"[${b + 1}]`);
        return ordered
          ? Prisma.sql`coalesce(sum(${entry} ORDER BY im."predictionId"), 0)::float8`
          : Prisma.sql`coalesce(sum(${entry}), 0)::float8`;
      }),
      ', ',
    );
  return store.$queryRaw<SubjectImageSums[]>`
    SELECT im."evaluationId"::text AS "evaluationId", s."subjectId"::text AS "subjectId", count(*)::int AS slices,
      sum(im.nll ORDER BY im."predictionId")::float8 AS nll, sum(im.brier ORDER BY im."predictionId")::float8 AS brier,
      sum(im.entropy ORDER BY im."predictionId")::float8 AS entropy, sum(im.mi ORDER BY im."predictionId")::float8 AS mi,
      ARRAY[${perBin('binCounts', false)}]::float8[] AS "binCounts",
      ARRAY[${perBin('binConfidenceSum', true)}]::float8[] AS "binConfidence",
      ARRAY[${perBin('binCorrect', false)}]::float8[] AS "binCorrect"
    FROM ${metricRows('image', ids, scope, { slice: true })}
    GROUP BY im."evaluationId", s."subjectId"`;
}
