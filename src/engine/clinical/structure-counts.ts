/**
 * Per-structure pixel counts of one slice, the inputs of the biomarker volumes (docs/design.md
 * "Clinical biomarkers"): n_k in the mean segmentation S̄, in each posterior sample S_t, and in the
 * ground truth. The sample pass already counts |S_t = c| per sample and class
 * (UncertaintySummary.sampleClassCounts, at t·C + c), so the samples are not read again.
 */
import { ACDC_LABELS, type LabelMap, NUM_CLASSES } from '../data/types';
import { type StructureValues, structurePixelCounts } from './volume';

/** Pixels of each structure in S_t, t = 0..T−1, from the sample pass's per-(t, class) counts. */
export function sampleStructureCounts(
  sampleClassCounts: ArrayLike<number>,
  T: number,
  labels: LabelMap = ACDC_LABELS,
  C: number = NUM_CLASSES,
): StructureValues[] {
  if (sampleClassCounts.length !== T * C)
    throw new RangeError(`need T·C = ${T * C} sample class counts, got ${sampleClassCounts.length}`);
  return Array.from({ length: T }, (_, t) => ({
    LV: sampleClassCounts[t * C + labels.LV],
    MYO: sampleClassCounts[t * C + labels.MYO],
    RV: sampleClassCounts[t * C + labels.RV],
  }));
}

export interface SliceStructureCounts {
  /** In S̄. */
  pixels: StructureValues;
  /** In S_t, t = 0..T−1. */
  samplePixels: StructureValues[];
  /** In the ground truth; null without one. */
  gtPixels: StructureValues | null;
}

/** The counts a labelled or unlabelled slice's biomarkers need (class indices in channel order). */
export function sliceStructureCounts(
  meanLabels: Uint8Array,
  sampleClassCounts: ArrayLike<number>,
  T: number,
  gt: Uint8Array | null,
): SliceStructureCounts {
  return {
    pixels: structurePixelCounts(meanLabels, ACDC_LABELS),
    samplePixels: sampleStructureCounts(sampleClassCounts, T),
    gtPixels: gt ? structurePixelCounts(gt, ACDC_LABELS) : null,
  };
}
