/**
 * Read-side analytics of an evaluation: the engine's calibration, QC-curve and Spearman functions
 * over the rows the store selects (store/evaluation-queries.ts), for the API's evaluation fields
 * and `compare`. Every function takes a SliceScope, so analysts' filters apply.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { STRUCTURES, UNCERTAINTY_MEASURES, type UncertaintyMeasureName } from '../domain/constants';
import { expectedCalibrationError, reliabilityDiagram, type ReliabilityHistogram } from '../engine/metrics/calibration';
import { qcCurve, randomReviewBaseline, reviewFractionAt, slicePositionBaseline, type QcCurve as EngineQcCurve } from '../engine/metrics/qc-curve';
import { spearman } from '../engine/metrics/spearman';
import { calibrationBinSums, calibrationMeans, positionRows, qcRows } from '../store/evaluation-queries';
import type { SliceScope } from '../store/scope-sql';
import { badInput } from './errors';

export interface Calibration {
  bins: number;
  ece: number | null;
  nll: number | null;
  brier: number | null;
  points: Array<{ binCentre: number; confidence: number | null; accuracy: number | null; count: number }>;
}

/** A QC curve, with `reviewAtFn` answering the API's `reviewAt(target)`. */
export interface QcCurveResult {
  points: Array<{ flagged: number; remaining: number }>;
  auc: number;
  n: number;
  poor: number;
  raw: EngineQcCurve['points'];
  reviewAtFn: (target: number) => number;
}

/** The calibration of the slices in scope, re-binned to `bins` (which must divide the stored bins). */
export async function calibrationOf(store: Store, evaluationId: string, storedBins: number, bins: number, scope?: SliceScope): Promise<Calibration> {
  if (!Number.isInteger(bins) || bins < 1 || storedBins % bins !== 0) {
    throw badInput(`bins must divide the stored ${storedBins} bins (e.g. ${storedBins}, ${[5, 3, 1].filter((b) => storedBins % b === 0).join(', ')})`, 'bins');
  }
  const means = await calibrationMeans(store, evaluationId, scope);
  const sums = await calibrationBinSums(store, evaluationId, scope);
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

function curveResult(curve: EngineQcCurve, reviewAt: (target: number) => number): QcCurveResult {
  return {
    points: curve.points.map(([flagged, remaining]) => ({ flagged, remaining })),
    auc: curve.auc,
    n: curve.n,
    poor: curve.poor,
    raw: curve.points,
    reviewAtFn: reviewAt,
  };
}

export async function qcCurveOf(store: Store, evaluationId: string, structure: Structure, measure: UncertaintyMeasureName, scope?: SliceScope) {
  const rows = await qcRows(store, evaluationId, structure, measure, scope);
  if (rows.length === 0) return null;
  const curve = qcCurve(rows.map((r) => r.score), rows.map((r) => r.poor));
  return curveResult(curve, (target) => reviewFractionAt(curve.points, target));
}

export async function baselinesOf(store: Store, evaluationId: string, structure: Structure, scope?: SliceScope) {
  const rows = await positionRows(store, evaluationId, structure, scope);
  if (rows.length === 0) return null;
  const poor = rows.map((r) => r.poor);
  const random = randomReviewBaseline(rows.length, poor.filter(Boolean).length);
  const position = slicePositionBaseline(rows.map((r) => r.sliceIndex), rows.map((r) => r.sliceCount), poor);
  return {
    random: curveResult(random, (target) => randomReviewBaseline(random.n, random.poor, target).reviewFraction),
    slicePosition: curveResult(position, (target) => reviewFractionAt(position.points, target)),
  };
}

export async function correlationsOf(store: Store, evaluationId: string, scope?: SliceScope) {
  const out = [];
  for (const structure of STRUCTURES) {
    for (const measure of UNCERTAINTY_MEASURES) {
      const rows = await qcRows(store, evaluationId, structure, measure, scope);
      const r = spearman(rows.map((row) => row.value), rows.map((row) => row.assd));
      out.push({ measure, structure, spearman: r.rho, n: r.n });
    }
  }
  return out;
}
