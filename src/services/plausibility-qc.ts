/**
 * QC by uncertainty and anatomical plausibility together (docs/design.md "Anatomical plausibility"
 * → "Combined QC score"): the combined score of one structure and measure is fitted on a labelled
 * evaluation of the same trained model (the validation split) and applied to another (any split,
 * distortion or site), whose QC curve by the combined score is set beside its curve by the
 * uncertainty alone, over the same rows.
 *
 * The summary (plausibilityQcSummaryOf) does so for every structure at once and gives each QC AUC
 * and review fraction, their means over the fitted structures and the paired differences
 * (combined − alone) with 95 % subject-bootstrap intervals (docs/design.md "Bootstrap intervals"):
 * the fitted scores are held fixed (fit once per structure on the fit evaluation), the judged
 * evaluation's subjects in scope, ordered by id, are resampled with subjectMultiplicities(S,
 * PLAUSIBILITY_RESAMPLES, seed), and both curves of a resample are walked from subject weights
 * (SubjectQcCurve); a difference or a mean is computed inside each resample.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import type { UncertaintyMeasureName } from '../domain/constants';
import { qcCurve, reviewFractionAt, thinCurvePoints } from '../engine/metrics/qc-curve';
import { areaJumps } from '../engine/plausibility/area-jump';
import { percentileInterval, subjectMultiplicities, type BootstrapInterval } from '../engine/statistics/bootstrap';
import { SubjectQcCurve } from '../engine/statistics/subject-qc-curve';
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
import { STRUCTURES } from '../domain/constants';
import type { Interval95 } from './comparison';
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
  /** The row's subject. */
  subjects: string[];
}

/** An evaluation's plausibility rows in scope; refuses rows stored before plausibility was. */
async function storedRows(
  store: Store,
  evaluationId: string,
  measure: UncertaintyMeasureName,
  scope: SliceScope | undefined,
): Promise<PlausibilityRow[]> {
  const rows = await plausibilityRows(store, evaluationId, measure, scope);
  const missing = rows.filter((r) => r.components === null || r.lvExposed === null || r.pixels === null).length;
  if (missing > 0)
    throw badInput(
      `evaluation ${evaluationId} has ${missing} of ${rows.length} structure rows stored without plausibility (evaluate again to get them)`,
      'evaluationId',
    );
  return rows;
}

/** The structure's feature rows among an evaluation's stored rows. */
function featureRows(rows: readonly PlausibilityRow[], structure: Structure, measure: UncertaintyMeasureName) {
  const stacks = new Map<string, PlausibilityRow[]>();
  for (const r of rows) if (r.structure === structure) stacks.set(r.stack, [...(stacks.get(r.stack) ?? []), r]);
  const out: FeatureRows = { features: [], poor: [], subjects: [] };
  for (const stack of stacks.values()) {
    const jumps = areaJumps(stack.map((r) => r.pixels!));
    stack.forEach((r, z) => {
      if (r.score === null) throw badInput(`the ${measure} score is undefined for a ${structure} row`, 'measure');
      out.features.push(combinedFeatures(measure, structure, r.score, storedPlausibility(r, structure), jumps[z]));
      out.poor.push(r.poor);
      out.subjects.push(r.subjectId);
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

/** Both evaluations exist and are of one trained model; ridge > 0 when given. */
async function checkPair(store: Store, input: { evaluationId: string; fitEvaluationId: string; ridge?: number }) {
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
}

/** The fit, or the reason it does not exist (the fit set has no poor or no good row). */
function fit(rows: FeatureRows, ridge: number | undefined): CombinedQcModel | { reason: string } {
  try {
    return fitCombinedQcScore(rows.features, rows.poor, { ridge });
  } catch (error) {
    return { reason: (error as Error).message };
  }
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
  await checkPair(store, input);
  const fitRows = featureRows(
    await storedRows(store, input.fitEvaluationId, input.measure, undefined),
    input.structure,
    input.measure,
  );
  const judged = featureRows(
    await storedRows(store, input.evaluationId, input.measure, input.scope),
    input.structure,
    input.measure,
  );
  if (judged.poor.length === 0) return null;
  const model = fit(fitRows, input.ridge);
  if ('reason' in model)
    throw badInput(`cannot fit on evaluation ${input.fitEvaluationId}: ${model.reason}`, 'fitEvaluationId');
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

export const PLAUSIBILITY_RESAMPLES = 1000;

/** A figure by the uncertainty alone and by the combined score, and combined − alone, with intervals. */
export interface PairedQcFigure {
  uncertainty: number;
  combined: number;
  difference: number;
  uncertaintyCi95: Interval95 | null;
  combinedCi95: Interval95 | null;
  differenceCi95: Interval95 | null;
}

export interface PlausibilityQcSummary {
  fitEvaluationId: string;
  measure: UncertaintyMeasureName;
  target: number;
  /** Subjects of the judged rows: the units resampled. */
  subjects: number;
  structures: Array<{ structure: Structure; n: number; poor: number; auc: PairedQcFigure; reviewAt: PairedQcFigure }>;
  unfit: Array<{ structure: Structure; reason: string }>;
  /** Means over `structures` (null when none). */
  auc: PairedQcFigure | null;
  reviewAt: PairedQcFigure | null;
}

type Side = 'uncertainty' | 'combined';
type Figure = 'auc' | 'reviewAt';

const ci = (b: BootstrapInterval): Interval95 | null =>
  b.interval ? { low: b.interval[0], high: b.interval[1] } : null;

/**
 * Per structure in `structures` (default all) with judged rows in scope: the combined score fitted
 * on the fit evaluation and judged against the uncertainty alone; figures and intervals as the
 * header says. Structures without a fit are listed in `unfit` and left out of the means.
 */
export async function plausibilityQcSummaryOf(
  store: Store,
  input: {
    evaluationId: string;
    fitEvaluationId: string;
    measure: UncertaintyMeasureName;
    structures?: readonly Structure[];
    scope?: SliceScope;
    ridge?: number;
    target: number;
    seed: number;
  },
): Promise<PlausibilityQcSummary> {
  await checkPair(store, input);
  if (!(input.target >= 0 && input.target <= 1)) throw badInput('target must be between 0 and 1', 'target');
  const [fitStored, judgedStored] = await Promise.all([
    storedRows(store, input.fitEvaluationId, input.measure, undefined),
    storedRows(store, input.evaluationId, input.measure, input.scope),
  ]);
  const wanted = STRUCTURES.filter((s) => !input.structures || input.structures.includes(s));
  const subjectIds = [...new Set(judgedStored.map((r) => r.subjectId))].sort();
  const subjectOf = new Map(subjectIds.map((id, i) => [id, i]));
  const S = subjectIds.length;
  const unfit: PlausibilityQcSummary['unfit'] = [];
  const fitted: Array<{
    structure: Structure;
    n: number;
    poor: number;
    estimate: Record<Side, Record<Figure, number>>;
    curves: Record<Side, SubjectQcCurve>;
  }> = [];
  for (const structure of wanted) {
    const judged = featureRows(judgedStored, structure, input.measure);
    if (judged.poor.length === 0) continue;
    const model = fit(featureRows(fitStored, structure, input.measure), input.ridge);
    if ('reason' in model) {
      unfit.push({ structure, reason: model.reason });
      continue;
    }
    const scores: Record<Side, number[]> = {
      uncertainty: judged.features.map((x) => x[0]),
      combined: judged.features.map((x) => combinedQcScore(model, x)),
    };
    const subject = judged.subjects.map((id) => subjectOf.get(id)!);
    const estimate = (side: Side) => {
      const curve = qcCurve(scores[side], judged.poor);
      return { auc: curve.auc, reviewAt: reviewFractionAt(curve.points, input.target) };
    };
    const curve = (side: Side) =>
      new SubjectQcCurve(
        scores[side].map((score, i) => ({ subject: subject[i], score, poor: judged.poor[i] })),
        S,
      );
    fitted.push({
      structure,
      n: judged.poor.length,
      poor: judged.poor.filter(Boolean).length,
      estimate: { uncertainty: estimate('uncertainty'), combined: estimate('combined') },
      curves: { uncertainty: curve('uncertainty'), combined: curve('combined') },
    });
  }

  // Every resample's figures of every fitted structure, walked once when an interval is first read.
  let resampled: Array<Array<Record<Side, { auc: number; reviewAt: number } | null>>> | null = null;
  const figures = () =>
    (resampled ??= subjectMultiplicities(S, PLAUSIBILITY_RESAMPLES, input.seed).map((w) =>
      fitted.map((f) => ({
        uncertainty: f.curves.uncertainty.figures(w, input.target),
        combined: f.curves.combined.figures(w, input.target),
      })),
    ));
  /** A figure of the structures `which` (indices into fitted): their mean, or the mean difference. */
  const paired = (which: number[], figure: Figure): PairedQcFigure => {
    const mean = (values: number[]) => values.reduce((a, v) => a + v, 0) / values.length;
    const point = (side: Side) => mean(which.map((k) => fitted[k].estimate[side][figure]));
    const of = (side: Side | 'difference') => {
      const values: number[] = [];
      for (const r of figures()) {
        const at = (s: Side) => {
          let sum = 0;
          for (const k of which) {
            const x = r[k][s];
            if (x === null) return null;
            sum += x[figure];
          }
          return sum / which.length;
        };
        const v = side === 'difference' ? diff(at('combined'), at('uncertainty')) : at(side);
        if (v !== null) values.push(v);
      }
      const estimate = side === 'difference' ? point('combined') - point('uncertainty') : point(side);
      return ci(percentileInterval(estimate, values, PLAUSIBILITY_RESAMPLES, S));
    };
    return {
      uncertainty: point('uncertainty'),
      combined: point('combined'),
      difference: point('combined') - point('uncertainty'),
      get uncertaintyCi95() {
        return of('uncertainty');
      },
      get combinedCi95() {
        return of('combined');
      },
      get differenceCi95() {
        return of('difference');
      },
    };
  };
  const all = fitted.map((_, k) => k);
  return {
    fitEvaluationId: input.fitEvaluationId,
    measure: input.measure,
    target: input.target,
    subjects: S,
    structures: fitted.map((f, k) => ({
      structure: f.structure,
      n: f.n,
      poor: f.poor,
      auc: paired([k], 'auc'),
      reviewAt: paired([k], 'reviewAt'),
    })),
    unfit,
    auc: fitted.length ? paired(all, 'auc') : null,
    reviewAt: fitted.length ? paired(all, 'reviewAt') : null,
  };
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

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
