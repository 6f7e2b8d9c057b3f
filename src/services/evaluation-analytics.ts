/**
 * Read-side analytics of an evaluation: the engine's calibration, QC-curve and Spearman functions
 * over the rows the store selects (store/evaluation-queries.ts), for the API's evaluation fields
 * and `compare`. Every function takes a SliceScope, so analysts' filters apply.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { STRUCTURES, UNCERTAINTY_MEASURES, type UncertaintyMeasureName } from '../domain/constants';
import { expectedCalibrationError, reliabilityDiagram, type ReliabilityHistogram } from '../engine/metrics/calibration';
import { qcCurveOfSteps, randomReviewBaseline, reviewFractionAt, thinCurvePoints } from '../engine/metrics/qc-curve';
import { spearman } from '../engine/metrics/spearman';
import {
  calibrationBinSumsByEvaluation,
  imageMeansByEvaluation,
  POSITION_SCORE_SQL,
  qcRows,
  SCORE_SQL,
  type BinSum,
  type ImageMeans,
} from '../store/evaluation-queries';
import {
  qcCurveSteps,
  storedQcCurve,
  storedReviewFraction,
  type CurveSource,
  type SqlQcCurve,
} from '../store/qc-curve-sql';
import type { SliceScope } from '../store/scope-sql';
import { badInput } from './errors';

export interface Calibration {
  bins: number;
  ece: number | null;
  nll: number | null;
  brier: number | null;
  points: Array<{ binCentre: number; confidence: number | null; accuracy: number | null; count: number }>;
}

/** Points drawn per curve unless the caller asks otherwise (`maxPoints`). */
export const DEFAULT_CURVE_POINTS = 1000;

/** A QC curve, with `reviewAtFn` answering the API's `reviewAt(target)` over every row. */
export interface QcCurveResult extends SqlQcCurve {
  reviewAtFn: (target: number) => number | Promise<number>;
}

/** Refuses a binning that does not divide the stored bins. */
export function checkBins(storedBins: number, bins: number) {
  if (!Number.isInteger(bins) || bins < 1 || storedBins % bins !== 0) {
    throw badInput(
      `bins must divide the stored ${storedBins} bins (e.g. ${storedBins}, ${[5, 3, 1].filter((b) => storedBins % b === 0).join(', ')})`,
      'bins',
    );
  }
}

/** A reliability histogram of `bins` bins from stored-bin sums (adjacent stored bins merged). */
export function mergedHistogram(sums: readonly BinSum[], storedBins: number, bins: number): ReliabilityHistogram {
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
  return histogram;
}

/** The calibration of an evaluation from its image means and stored-bin sums, re-binned to `bins`. */
export function calibrationFrom(
  means: ImageMeans | undefined,
  sums: readonly BinSum[],
  storedBins: number,
  bins: number,
): Calibration {
  const histogram = mergedHistogram(sums, storedBins, bins);
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

/** The calibration of the slices in scope, re-binned to `bins` (which must divide the stored bins). */
export async function calibrationOf(
  store: Store,
  evaluationId: string,
  storedBins: number,
  bins: number,
  scope?: SliceScope,
): Promise<Calibration> {
  checkBins(storedBins, bins);
  const [means, sums] = await Promise.all([
    imageMeansByEvaluation(store, [evaluationId], scope),
    calibrationBinSumsByEvaluation(store, [evaluationId], scope),
  ]);
  return calibrationFrom(means.get(evaluationId), sums.get(evaluationId)!, storedBins, bins);
}

/**
 * The live curve over every row: Postgres groups the rows into steps (store/qc-curve-sql.ts), the
 * engine makes the points and AUC from them, `maxPoints` thins only the points sent, and `reviewAt`
 * reads the full curve. O(steps) arithmetic, about a millisecond per 50 000 steps.
 */
export async function liveQcCurve(store: Store, source: CurveSource, maxPoints: number): Promise<QcCurveResult | null> {
  const steps = await qcCurveSteps(store, source);
  if (steps.count.length === 0) return null;
  const curve = qcCurveOfSteps(steps.count, steps.poor);
  return {
    n: curve.n,
    poor: curve.poor,
    auc: curve.auc,
    points: thinCurvePoints(curve.points, maxPoints).map(([flagged, remaining]) => ({ flagged, remaining })),
    reviewAtFn: (target) => reviewFractionAt(curve.points, target),
  };
}

/** No filter at all (GraphQL sends an explicit null as readily as it omits a field). */
const wholeEvaluation = (scope: SliceScope | undefined) =>
  !scope || Object.values(scope).every((v) => v === null || v === undefined);

/**
 * Over every row of a settled evaluation, the curve stored when its last shard was written
 * (store/evaluation-curves.ts), the same points and figures as the live query's; otherwise (running,
 * settled before curves were stored, or a scope) the live query.
 */
export async function qcCurveOf(
  store: Store,
  evaluationId: string,
  structure: Structure,
  measure: UncertaintyMeasureName,
  scope?: SliceScope,
  maxPoints = DEFAULT_CURVE_POINTS,
): Promise<QcCurveResult | null> {
  if (wholeEvaluation(scope)) {
    const key = { evaluationId, structure, measure };
    const stored = await storedQcCurve(store, key, maxPoints);
    if (stored !== undefined)
      return stored && { ...stored, reviewAtFn: (target) => storedReviewFraction(store, key, target) };
  }
  return liveQcCurve(store, { evaluationId, structure, score: SCORE_SQL[measure], scope }, maxPoints);
}

export async function baselinesOf(
  store: Store,
  evaluationId: string,
  structure: Structure,
  scope?: SliceScope,
  maxPoints = DEFAULT_CURVE_POINTS,
) {
  const position = await liveQcCurve(
    store,
    { evaluationId, structure, score: POSITION_SCORE_SQL, slice: true, scope },
    maxPoints,
  );
  if (!position) return null;
  return { random: randomBaselineCurve(position.n, position.poor), slicePosition: position };
}

/** The random-review baseline of N rows with P poor, as the API's curve. */
export function randomBaselineCurve(n: number, poor: number): QcCurveResult {
  const random = randomReviewBaseline(n, poor);
  return {
    points: random.points.map(([flagged, remaining]) => ({ flagged, remaining })),
    auc: random.auc,
    n: random.n,
    poor: random.poor,
    reviewAtFn: (target: number) => randomReviewBaseline(n, poor, target).reviewFraction,
  };
}

export async function correlationsOf(store: Store, evaluationId: string, scope?: SliceScope) {
  const out = [];
  for (const structure of STRUCTURES) {
    for (const measure of UNCERTAINTY_MEASURES) {
      const rows = await qcRows(store, evaluationId, structure, measure, scope);
      const r = spearman(
        rows.map((row) => row.value),
        rows.map((row) => row.assd),
      );
      out.push({ measure, structure, spearman: r.rho, n: r.n });
    }
  }
  return out;
}
