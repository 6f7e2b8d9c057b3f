/**
 * QC by uncertainty and anatomical plausibility together (docs/design.md "Anatomical plausibility"
 * → "Combined QC score"): the combined score of one structure and measure is fitted on a labelled
 * evaluation of the same trained model (the validation split) and applied to another (any split,
 * distortion or site), whose QC curve by the combined score is set beside its curve by the
 * uncertainty alone, over the same rows.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import type { UncertaintyMeasureName } from '../domain/constants';
import { qcCurve, reviewFractionAt, thinCurvePoints } from '../engine/metrics/qc-curve';
import { areaJumps } from '../engine/plausibility/area-jump';
import {
  COMBINED_FEATURES,
  combinedFeatures,
  combinedQcScore,
  fitCombinedQcScore,
  type CombinedQcModel,
} from '../engine/plausibility/combined-qc-score';
import type { SlicePlausibility } from '../engine/plausibility/slice-plausibility';
import {
  evaluationTraining,
  plausibilityCounts,
  plausibilityRows,
  type PlausibilityRow,
} from '../store/plausibility-rows';
import type { SliceScope } from '../store/scope-sql';
import { badInput, notFound } from './errors';
import type { QcCurveResult } from './evaluation-analytics';

export interface PlausibilityQc {
  structure: Structure;
  measure: UncertaintyMeasureName;
  fitEvaluationId: string;
  model: CombinedQcModel;
  coefficients: Array<{ feature: string; coefficient: number; mean: number; sd: number }>;
  intercept: number;
  combined: QcCurveResult;
  uncertainty: QcCurveResult;
}

interface FeatureRows {
  /** COMBINED_FEATURES order: the first is the uncertainty score (finite, in the score's order). */
  features: number[][];
  poor: boolean[];
}

/** The structure's feature rows of one evaluation; refuses rows stored before plausibility was. */
async function featureRows(
  store: Store,
  evaluationId: string,
  structure: Structure,
  measure: UncertaintyMeasureName,
  scope: SliceScope | undefined,
): Promise<FeatureRows> {
  const rows = await plausibilityRows(store, evaluationId, measure, scope);
  const missing = rows.filter((r) => r.components === null || r.lvExposed === null || r.pixels === null).length;
  if (missing > 0)
    throw badInput(
      `evaluation ${evaluationId} has ${missing} of ${rows.length} structure rows stored without plausibility (evaluate again to get them)`,
      'evaluationId',
    );
  const stacks = new Map<string, PlausibilityRow[]>();
  for (const r of rows) if (r.structure === structure) stacks.set(r.stack, [...(stacks.get(r.stack) ?? []), r]);
  const out: FeatureRows = { features: [], poor: [] };
  for (const stack of stacks.values()) {
    const jumps = areaJumps(stack.map((r) => r.pixels!));
    stack.forEach((r, z) => {
      if (r.score === null) throw badInput(`the ${measure} score is undefined for a ${structure} row`, 'measure');
      out.features.push(combinedFeatures(measure, structure, r.score, storedPlausibility(r, structure), jumps[z]));
      out.poor.push(r.poor);
    });
  }
  return out;
}

/** The stored columns as the engine's SlicePlausibility (only what the features read of it). */
function storedPlausibility(r: PlausibilityRow, structure: Structure): SlicePlausibility {
  const topology = { components: r.components!, holes: r.holes! };
  const none = { components: 0, holes: 0 };
  return {
    topology: { LV: none, MYO: none, RV: none, [structure]: topology },
    lvExposed: r.lvExposed!,
    myoClosed: (r.lvComponents ?? 0) > 0 ? r.lvExposed === 0 : null,
    rvLvContact: r.rvLvContact!,
  };
}

function curveResult(scores: number[], poor: boolean[], maxPoints: number): QcCurveResult {
  const curve = qcCurve(scores, poor);
  return {
    n: curve.n,
    poor: curve.poor,
    auc: curve.auc,
    points: thinCurvePoints(curve.points, maxPoints).map(([flagged, remaining]) => ({ flagged, remaining })),
    reviewAtFn: (target) => reviewFractionAt(curve.points, target),
  };
}

/** null when no row of the structure is in scope of the evaluation judged. */
export async function plausibilityQcOf(
  store: Store,
  input: {
    evaluationId: string;
    fitEvaluationId: string;
    structure: Structure;
    measure: UncertaintyMeasureName;
    scope?: SliceScope;
    ridge?: number;
    maxPoints: number;
  },
): Promise<PlausibilityQc | null> {
  const [training, fitTraining] = await Promise.all([
    evaluationTraining(store, input.evaluationId),
    evaluationTraining(store, input.fitEvaluationId),
  ]);
  if (!training) throw notFound('Evaluation', input.evaluationId);
  if (!fitTraining) throw notFound('Evaluation', input.fitEvaluationId);
  if (training !== fitTraining)
    throw badInput(
      `the fit evaluation ${input.fitEvaluationId} is of another trained model than ${input.evaluationId}: the score is fitted per model`,
      'fitEvaluationId',
    );
  if (input.ridge !== undefined && !(input.ridge > 0)) throw badInput('ridge must be > 0', 'ridge');
  const fitRows = await featureRows(store, input.fitEvaluationId, input.structure, input.measure, undefined);
  const judged = await featureRows(store, input.evaluationId, input.structure, input.measure, input.scope);
  if (judged.poor.length === 0) return null;
  let model: CombinedQcModel;
  try {
    model = fitCombinedQcScore(fitRows.features, fitRows.poor, { ridge: input.ridge });
  } catch (error) {
    throw badInput(`cannot fit on evaluation ${input.fitEvaluationId}: ${(error as Error).message}`, 'fitEvaluationId');
  }
  const combined = judged.features.map((x) => combinedQcScore(model, x));
  return {
    structure: input.structure,
    measure: input.measure,
    fitEvaluationId: input.fitEvaluationId,
    model,
    intercept: model.coefficients[0],
    coefficients: COMBINED_FEATURES.map((feature, j) => ({
      feature,
      coefficient: model.coefficients[j + 1],
      mean: model.mean[j],
      sd: model.sd[j],
    })),
    combined: curveResult(combined, judged.poor, input.maxPoints),
    uncertainty: curveResult(
      judged.features.map((x) => x[0]),
      judged.poor,
      input.maxPoints,
    ),
  };
}

export interface PlausibilitySummaryResult {
  slices: number;
  unavailable: number;
  withLv: number;
  myoOpen: number;
  rvLvContact: number;
  structures: Array<{ structure: Structure; present: number; fragmented: number; wrongHoles: number }>;
}

/** Counts of anatomical breaks in scope; the slice-level ones come from the LV rows (one a slice). */
export async function plausibilitySummaryOf(
  store: Store,
  evaluationId: string,
  scope: SliceScope | undefined,
): Promise<PlausibilitySummaryResult> {
  const counts = await plausibilityCounts(store, evaluationId, scope);
  const lv = counts.find((c) => c.structure === 'LV');
  return {
    slices: lv ? lv.rows - lv.unavailable : 0,
    unavailable: lv?.unavailable ?? 0,
    withLv: lv?.withLv ?? 0,
    myoOpen: lv?.myoOpen ?? 0,
    rvLvContact: lv?.rvLvContact ?? 0,
    structures: counts.map(({ structure, present, fragmented, wrongHoles }) => ({
      structure,
      present,
      fragmented,
      wrongHoles,
    })),
  };
}
