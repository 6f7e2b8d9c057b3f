/**
 * The rows behind the combined QC score (docs/design.md "Anatomical plausibility"): every structure
 * row of an evaluation in scope with its slice's subject and place in its stack (subject, phase,
 * slice index), the measure's QC score (SCORE_SQL, the curves' own), the poor flag, the stored
 * plausibility of the mean segmentation and the structure's predicted pixels (for the area jumps),
 * in stack order.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import type { UncertaintyMeasureName } from '../domain/constants';
import { SCORE_SQL } from './evaluation-queries';
import { structureRows, type SliceScope } from './scope-sql';

export interface PlausibilityRow {
  predictionId: string;
  /** The slice's subject (the unit the intervals resample). */
  subjectId: string;
  /** subject id and phase: one stack */
  stack: string;
  structure: Structure;
  score: number | null;
  poor: boolean;
  components: number | null;
  holes: number | null;
  /** LV components of the same slice (whether it has an LV cavity). */
  lvComponents: number | null;
  lvExposed: number | null;
  rvLvContact: number | null;
  pixels: number | null;
}

export async function plausibilityRows(
  store: Store,
  evaluationId: string,
  measure: UncertaintyMeasureName,
  scope?: SliceScope,
): Promise<PlausibilityRow[]> {
  return store.$queryRaw<PlausibilityRow[]>`
    SELECT sm."predictionId"::text AS "predictionId", s."subjectId"::text AS "subjectId",
      s."subjectId"::text || ' ' || s.phase::text AS stack,
      sm.structure::text AS structure, (${SCORE_SQL[measure]})::float8 AS score, sm.poor,
      sm.components, sm.holes,
      (SELECT lv.components FROM "StructureMetric" lv WHERE lv."predictionId" = sm."predictionId" AND lv.structure = 'LV') AS "lvComponents",
      im."lvExposed", im."rvLvContact", sm.pixels
    FROM ${structureRows(evaluationId, scope, { slice: true })}
    ORDER BY s."subjectId", s.phase, s."sliceIndex", sm.structure`;
}

/** The evaluation's training run, or null when there is no such evaluation. */
export async function evaluationTraining(store: Store, evaluationId: string): Promise<string | null> {
  const e = await store.evaluation.findUnique({ where: { id: evaluationId }, select: { trainingRunId: true } });
  return e?.trainingRunId ?? null;
}

export interface PlausibilityCounts {
  structure: Structure;
  rows: number;
  unavailable: number;
  present: number;
  fragmented: number;
  wrongHoles: number;
  /** Slice-level counts, on the LV rows only (one a slice). */
  withLv: number;
  myoOpen: number;
  rvLvContact: number;
}

/** Per structure, how many rows in scope break each anatomical expectation (null columns: unavailable). */
export async function plausibilityCounts(
  store: Store,
  evaluationId: string,
  scope?: SliceScope,
): Promise<PlausibilityCounts[]> {
  return store.$queryRaw<PlausibilityCounts[]>`
    SELECT structure, count(*)::int AS rows,
      count(*) FILTER (WHERE components IS NULL)::int AS unavailable,
      count(*) FILTER (WHERE components > 0)::int AS present,
      count(*) FILTER (WHERE components > 1)::int AS fragmented,
      count(*) FILTER (WHERE holes <> CASE WHEN structure = 'MYO' AND lvc > 0 THEN 1 ELSE 0 END)::int AS "wrongHoles",
      count(*) FILTER (WHERE lvc > 0)::int AS "withLv",
      count(*) FILTER (WHERE lvc > 0 AND "lvExposed" > 0)::int AS "myoOpen",
      count(*) FILTER (WHERE "rvLvContact" > 0)::int AS "rvLvContact"
    FROM (SELECT sm.structure::text AS structure, sm.components, sm.holes, im."lvExposed", im."rvLvContact",
            (SELECT lv.components FROM "StructureMetric" lv WHERE lv."predictionId" = sm."predictionId" AND lv.structure = 'LV') AS lvc
          FROM ${structureRows(evaluationId, scope)}) r
    GROUP BY structure ORDER BY structure`;
}
