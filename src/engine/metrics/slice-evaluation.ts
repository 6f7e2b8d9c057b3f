/**
 * Everything the study stores for one evaluated slice, from its T posterior samples [T, H, W, C]
 * and its ground truth (docs/design.md "Definitions"): the mean-prediction label map S̄; per structure
 * Dice, ASSD, HD, HD95 of S̄ against the ground truth (with the undefined-value status),
 * Dice_within and ASSD_within, and the QC poor flag (ASSD above the inter-observer threshold, or a
 * missed structure); per image NLL, Brier, the reliability histogram, the per-class histograms
 * (class-wise ECE) and the fine top-label histogram (adaptive ECE), predictive entropy and MI; the
 * anatomical plausibility of S̄ (plausibility/slice-plausibility.ts).
 *
 * METRIC_VERSION names this set of definitions; it is stored with every number so a later change
 * of definition never mixes with old rows.
 */
import { slicePlausibility, type SlicePlausibility } from '../plausibility/slice-plausibility';
import { ACDC_LABELS, type LabelMap, type SpacingMm, STRUCTURES, type Structure } from '../data/types';
import { DEFAULT_CALIBRATION_BINS, type ReliabilityHistogram } from './calibration';
import type { FineConfidenceHistogram } from './fine-confidence-histogram';
import { INTER_OBSERVER_ASSD_MM, isPoorSegmentation } from './poor-segmentation';
import type { SampleShape } from './sample-statistics';
import { type MetricStatus, sliceMetrics } from './segmentation-metrics';
import { summarizeUncertainty } from './uncertainty-summary';

export const METRIC_VERSION = 1;

export interface StructureEvaluation {
  status: MetricStatus;
  dice: number;
  assdMm: number | null;
  hdMm: number | null;
  hd95Mm: number | null;
  diceWithin: number;
  assdWithinMm: number | null;
  poor: boolean;
}

export interface SliceEvaluation {
  meanLabels: Uint8Array;
  structures: Record<Structure, StructureEvaluation>;
  nll: number;
  brier: number;
  entropy: number;
  mi: number;
  histogram: ReliabilityHistogram;
  /** Per class c: p̄_c against [y = c] in the reliability histogram's bins; absent in rows stored before them. */
  classHistograms?: ReliabilityHistogram[];
  /** Top-label confidences on the fine grid (adaptive ECE); absent in rows stored before it. */
  confidenceHistogram?: FineConfidenceHistogram;
  /** Of S̄; absent in rows stored before it. */
  plausibility?: SlicePlausibility;
  entropyMap?: Float64Array;
  miMap?: Float64Array;
}

/** As computed from samples: with |S_t = c| at t·C + c for the biomarker counts (clinical/structure-counts.ts). */
export interface SampledSliceEvaluation extends SliceEvaluation {
  sampleClassCounts: Int32Array;
}

export function evaluateSlice(
  samples: Float32Array,
  shape: SampleShape,
  gt: Uint8Array,
  spacingMm: SpacingMm,
  options: {
    labels?: LabelMap;
    bins?: number;
    poorThresholdsMm?: Readonly<Record<Structure, number>>;
    keepMaps?: boolean;
  } = {},
): SampledSliceEvaluation {
  const labels = options.labels ?? ACDC_LABELS;
  const bins = options.bins ?? DEFAULT_CALIBRATION_BINS;
  const summary = summarizeUncertainty(samples, shape, { spacingMm, labels, gt, bins, keepMaps: options.keepMaps });
  const accuracy = sliceMetrics(summary.meanLabels, gt, shape.rows, shape.cols, spacingMm, labels);
  const structures = {} as Record<Structure, StructureEvaluation>;
  for (const s of STRUCTURES) {
    structures[s] = {
      ...accuracy[s],
      diceWithin: summary.structures[s].diceWithin,
      assdWithinMm: summary.structures[s].assdWithinMm,
      poor: isPoorSegmentation(accuracy[s], s, options.poorThresholdsMm ?? INTER_OBSERVER_ASSD_MM),
    };
  }
  const calibration = summary.calibration!;
  return {
    meanLabels: summary.meanLabels,
    structures,
    nll: calibration.nll,
    brier: calibration.brier,
    entropy: summary.entropy,
    mi: summary.mi,
    histogram: calibration.histogram,
    classHistograms: calibration.classHistograms,
    confidenceHistogram: calibration.confidenceHistogram,
    sampleClassCounts: summary.sampleClassCounts,
    plausibility: slicePlausibility(summary.meanLabels, shape.rows, shape.cols),
    ...(options.keepMaps ? { entropyMap: summary.entropyMap, miMap: summary.miMap } : {}),
  };
}
