/**
 * Everything the `cardiac-uq uncertainty` command reports for one image, from T softmax samples
 * [T, H, W, C] (docs/design.md "Definitions"), in one pass over the samples (sample-statistics.ts):
 * predictive entropy and mutual information (pixel maps and image means), Dice_within and
 * ASSD_within per structure, and — with a ground truth — NLL, Brier, ECE and the reliability
 * histogram of p̄, with the per-class and fine top-label histograms (class-wise and adaptive ECE).
 *
 * Class channels: the channel of a structure is its label value in `labels` (ACDC by default:
 * 0 background, 1 RV, 2 MYO, 3 LV); the ground truth holds channel indices.
 */
import { ACDC_LABELS, type LabelMap, type SpacingMm, STRUCTURES, type Structure } from '../data/types';
import {
  type CalibrationResult,
  DEFAULT_CALIBRATION_BINS,
  type ReliabilityHistogram,
  calibration,
} from './calibration';
import { classwiseHistograms } from './classwise-calibration-error';
import { type FineConfidenceHistogram, fineConfidenceHistogram } from './fine-confidence-histogram';
import { imageMean } from './predictive-entropy';
import { type SampleShape, sampleStatistics } from './sample-statistics';
import { WithinSampleWorkspace, type WithinSampleMeasures, argmaxLabels, withinSampleMeasures } from './within-sample';

export interface UncertaintyOptions {
  /** Pixel spacing [x, y] in mm; required for every distance. */
  spacingMm: SpacingMm;
  /** Channel (= label value) of each structure; ACDC by default. */
  labels?: LabelMap;
  /** Ground-truth channel index per pixel (rows·cols); enables NLL, Brier, ECE. */
  gt?: ArrayLike<number>;
  /** Reliability bins (default 15). */
  bins?: number;
  /** Return the per-pixel entropy and MI maps. */
  keepMaps?: boolean;
}

export interface UncertaintySummary {
  T: number;
  /** Image means, nats. */
  entropy: number;
  mi: number;
  /** null without a ground truth. */
  calibration: SliceCalibration | null;
  structures: Record<Structure, WithinSampleMeasures>;
  /** S̄ = argmax p̄. */
  meanLabels: Uint8Array;
  /** |S_t = k| at t·C + k: per-sample class volumes (clinical biomarkers' posterior draws). */
  sampleClassCounts: Int32Array;
  entropyMap?: Float64Array;
  miMap?: Float64Array;
}

/** The reliability histogram's measures with the per-class and the fine top-label histograms. */
export interface SliceCalibration extends CalibrationResult {
  classHistograms: ReliabilityHistogram[];
  confidenceHistogram: FineConfidenceHistogram;
}

export function summarizeUncertainty(
  samples: Float32Array,
  shape: SampleShape,
  options: UncertaintyOptions,
  ws: WithinSampleWorkspace = new WithinSampleWorkspace(shape.rows, shape.cols),
): UncertaintySummary {
  const pixels = shape.rows * shape.cols;
  const labels = options.labels ?? ACDC_LABELS;
  const stats = sampleStatistics(samples, shape);
  const { meanEntropy: hMap, miMap } = stats;
  const meanLabels = argmaxLabels(stats.meanProbs, pixels, shape.C);
  const structures = {} as Record<Structure, WithinSampleMeasures>;
  for (const s of STRUCTURES) structures[s] = withinSampleMeasures(stats, meanLabels, labels[s], options.spacingMm, ws);
  const bins = options.bins ?? DEFAULT_CALIBRATION_BINS;
  const cal = options.gt
    ? {
        ...calibration(stats.meanProbs, options.gt, pixels, shape.C, bins),
        classHistograms: classwiseHistograms(stats.meanProbs, options.gt, pixels, shape.C, bins),
        confidenceHistogram: fineConfidenceHistogram(stats.meanProbs, options.gt, pixels, shape.C),
      }
    : null;
  return {
    T: shape.T,
    entropy: imageMean(hMap),
    mi: imageMean(miMap),
    calibration: cal,
    structures,
    meanLabels,
    sampleClassCounts: stats.classCounts,
    ...(options.keepMaps ? { entropyMap: hMap, miMap } : {}),
  };
}
