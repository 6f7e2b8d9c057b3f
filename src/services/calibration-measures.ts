/**
 * An evaluation's calibration beyond the equal-width ECE (docs/design.md "More calibration
 * measures"), over the slices in scope: MCE from the summed reliability histograms (every stored
 * evaluation has them), class-wise ECE from the summed per-class histograms and adaptive ECE from
 * the merged fine top-label histograms with its error bound. Evaluations stored before the per-class
 * and fine histograms existed answer null for those two, with the reason — never a number from
 * some of the slices. The reads are batched: calls made in the same tick with the same scope and
 * adaptive bins (the Distortions panel's one field per evaluation of a sweep) share three statements
 * grouped by evaluation, plus one per evaluation for the per-class cells (a DataLoader without a
 * cache: nothing is kept between calls).
 */
import DataLoader from 'dataloader';
import type { Store } from '../db/client';
import { adaptiveCalibrationErrorFromHistogram } from '../engine/metrics/adaptive-calibration-error';
import {
  emptyReliabilityHistogram,
  expectedCalibrationError,
  type ReliabilityHistogram,
} from '../engine/metrics/calibration';
import { classwiseCalibrationError } from '../engine/metrics/classwise-calibration-error';
import { maximumCalibrationError } from '../engine/metrics/maximum-calibration-error';
import { calibrationBinSumsByEvaluation, type BinSum } from '../store/evaluation-queries';
import {
  classBinSumsByEvaluation,
  fineBinSumsByEvaluation,
  histogramCoverageByEvaluation,
  type ClassBinSum,
  type FineBinSum,
  type HistogramCoverage,
} from '../store/calibration-histogram-sums';
import type { SliceScope } from '../store/scope-sql';
import { badInput } from './errors';

export const DEFAULT_ADAPTIVE_BINS = 15;
export const MAX_ADAPTIVE_BINS = 1000;

export interface CalibrationMeasures {
  slices: number;
  bins: number;
  ece: number | null;
  mce: number | null;
  classwiseEce: number | null;
  /** ECE_c per class channel (0 background, then the label values). */
  classEce: number[] | null;
  adaptiveBins: number;
  adaptiveEce: number | null;
  adaptiveEceErrorBound: number | null;
  /** Why class-wise and adaptive ECE are null; null when they are given. */
  unavailable: string | null;
}

function histogram(bins: number, sums: Array<{ count: number; conf: number; correct: number }>): ReliabilityHistogram {
  const h = emptyReliabilityHistogram(bins);
  sums.forEach((s, b) => {
    h.count[b] = s.count;
    h.sumConfidence[b] = s.conf;
    h.sumCorrect[b] = s.correct;
  });
  return h;
}

export async function calibrationMeasuresOf(
  store: Store,
  evaluationId: string,
  storedBins: number,
  scope?: SliceScope,
  adaptiveBins = DEFAULT_ADAPTIVE_BINS,
): Promise<CalibrationMeasures> {
  if (!(Number.isInteger(adaptiveBins) && adaptiveBins >= 1 && adaptiveBins <= MAX_ADAPTIVE_BINS))
    throw badInput(`adaptiveBins must be an integer between 1 and ${MAX_ADAPTIVE_BINS}`, 'adaptiveBins');
  return batcher(store).load({ evaluationId, storedBins, scope, adaptiveBins });
}

interface Request {
  evaluationId: string;
  storedBins: number;
  scope: SliceScope | undefined;
  adaptiveBins: number;
}

const batchers = new WeakMap<Store, DataLoader<Request, CalibrationMeasures>>();

/** Collects the calls of one tick; answers each group of equal scope and adaptive bins with one batch. */
function batcher(store: Store) {
  let found = batchers.get(store);
  if (!found) {
    found = new DataLoader<Request, CalibrationMeasures>(
      async (requests) => {
        const groups = new Map<string, Request[]>();
        for (const r of requests) {
          const key = JSON.stringify([r.scope ?? null, r.adaptiveBins]);
          groups.set(key, [...(groups.get(key) ?? []), r]);
        }
        const answers = new Map<Request, CalibrationMeasures>();
        await Promise.all(
          [...groups.values()].map(async (group) => {
            const measures = await calibrationMeasuresByEvaluation(store, group, group[0].scope, group[0].adaptiveBins);
            group.forEach((r, i) => answers.set(r, measures[i]));
          }),
        );
        return requests.map((r) => answers.get(r)!);
      },
      { cache: false },
    );
    batchers.set(store, found);
  }
  return found;
}

/** The measures of each of `evaluations` (in order) over the slices in scope, read together. */
export async function calibrationMeasuresByEvaluation(
  store: Store,
  evaluations: ReadonlyArray<{ evaluationId: string; storedBins: number }>,
  scope: SliceScope | undefined,
  adaptiveBins: number,
): Promise<CalibrationMeasures[]> {
  const ids = [...new Set(evaluations.map((e) => e.evaluationId))];
  const [coverages, sums, classCells, fineBins] = await Promise.all([
    histogramCoverageByEvaluation(store, ids, scope),
    calibrationBinSumsByEvaluation(store, ids, scope),
    classBinSumsByEvaluation(store, ids, scope),
    fineBinSumsByEvaluation(store, ids, scope),
  ]);
  return evaluations.map(({ evaluationId, storedBins }) =>
    measuresOf(
      storedBins,
      adaptiveBins,
      coverages.get(evaluationId)!,
      sums.get(evaluationId) ?? [],
      classCells.get(evaluationId)!,
      fineBins.get(evaluationId)!,
    ),
  );
}

function measuresOf(
  storedBins: number,
  adaptiveBins: number,
  coverage: HistogramCoverage,
  sums: BinSum[],
  cells: ClassBinSum[],
  fine: FineBinSum[],
): CalibrationMeasures {
  const reliability = histogram(storedBins, sums);
  const out: CalibrationMeasures = {
    slices: coverage.slices,
    bins: storedBins,
    ece: expectedCalibrationError(reliability),
    mce: maximumCalibrationError(reliability),
    classwiseEce: null,
    classEce: null,
    adaptiveBins,
    adaptiveEce: null,
    adaptiveEceErrorBound: null,
    unavailable: null,
  };
  if (coverage.slices === 0) return { ...out, unavailable: 'no slice in scope' };
  if (coverage.missing > 0)
    return {
      ...out,
      unavailable: `${coverage.missing} of ${coverage.slices} slices in scope were evaluated before per-class and fine confidence histograms were stored (migration calibration_histograms); evaluate again for class-wise and adaptive ECE`,
    };
  const classes = cells.length / storedBins;
  const classHistograms = Array.from({ length: classes }, (_, c) =>
    histogram(
      storedBins,
      cells
        .slice(c * storedBins, (c + 1) * storedBins)
        .map((x) => ({ count: x.count, conf: x.probability, correct: x.hits })),
    ),
  );
  const ace = adaptiveCalibrationErrorFromHistogram(
    {
      bins: fine.length,
      count: fine.map((b) => b.count),
      sumConfidence: fine.map((b) => b.confidence),
      sumCorrect: fine.map((b) => b.correct),
      min: fine.map((b) => b.min),
      max: fine.map((b) => b.max),
    },
    adaptiveBins,
  );
  return {
    ...out,
    classwiseEce: classwiseCalibrationError(classHistograms),
    classEce: classHistograms.map((h) => expectedCalibrationError(h) ?? 0),
    adaptiveEce: ace?.ace ?? null,
    adaptiveEceErrorBound: ace?.errorBound ?? null,
  };
}
