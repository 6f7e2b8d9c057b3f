/**
 * The rows failure detection is computed from (docs/design.md "Failure detection"): per structure
 * row in scope its QC score (evaluation-queries.ts SCORE_SQL: entropy, MI, 1 − Dice_within,
 * ASSD_within with undefined as +∞), its Dice, its poor flag and its slice's subject (the unit the
 * intervals resample), in prediction-id order so tied groups sum in the same order whatever the plan.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import type { UncertaintyMeasureName } from '../domain/constants';
import { SCORE_SQL } from './evaluation-queries';
import { structureRows, type SliceScope } from './scope-sql';

export interface FailureRow {
  subjectId: string;
  score: number;
  dice: number;
  poor: boolean;
}

export async function failureRows(
  store: Store,
  evaluationId: string,
  structure: Structure,
  measure: UncertaintyMeasureName,
  scope?: SliceScope,
): Promise<FailureRow[]> {
  return store.$queryRaw<FailureRow[]>`
    SELECT s."subjectId"::text AS "subjectId", (${SCORE_SQL[measure]})::float8 AS score, sm.dice::float8 AS dice, sm.poor
    FROM ${structureRows(evaluationId, scope, { slice: true })} AND sm.structure = ${structure}::"Structure"
    ORDER BY sm."predictionId"`;
}
