/**
 * Segmenting one unlabelled slice with uncertainty (docs/design.md "Inference"): T posterior
 * samples (sampling.ts, one seed for every slice of a run so sample t is one posterior draw),
 * then from them in one pass (uncertainty-summary.ts) the mean segmentation S̄ = argmax p̄ on the
 * slice's own grid, the entropy and MI maps and image means, Dice_within and ASSD_within per
 * structure, the structure pixel counts of S̄ and of each sample S_t (biomarker intervals), and,
 * given a policy's rules, every rule's decision and the slice's flag (any rule flags it:
 * metrics/qc-policy.ts decideRules). `cardiac-uq segment` and the inference jobs both call this.
 */
import type { LoadedCheckpoint } from '../checkpoint';
import { sampleStructureCounts } from '../clinical/structure-counts';
import { type StructureValues, structurePixelCounts } from '../clinical/volume';
import { ACDC_LABELS, NUM_CLASSES, type SpacingMm } from '../data/types';
import { decideRules, type QcRule, type RuleDecision } from '../metrics/qc-policy';
import { type UncertaintySummary, summarizeUncertainty } from '../metrics/uncertainty-summary';
import { sampleProbabilities } from './sampling';

export interface UnlabelledSlice {
  image: Float32Array;
  rows: number;
  cols: number;
  spacingMm: SpacingMm;
}

export interface SliceInference {
  /** Maps included (entropyMap, miMap). */
  summary: UncertaintySummary;
  /** Structure pixels in S̄. */
  pixels: StructureValues;
  /** Structure pixels in S_t, t = 0..T−1. */
  samplePixels: StructureValues[];
  /** null without rules. */
  flagged: boolean | null;
  decisions: RuleDecision[] | null;
}

export function inferSlice(
  model: LoadedCheckpoint,
  slice: UnlabelledSlice,
  T: number,
  options: { seed: number; rules?: readonly QcRule[] | null },
): SliceInference {
  const samples = sampleProbabilities(model, slice, T, { seed: options.seed });
  const Tout = samples.shape[0];
  const summary = summarizeUncertainty(
    samples.data,
    { T: Tout, rows: slice.rows, cols: slice.cols, C: NUM_CLASSES },
    { spacingMm: slice.spacingMm, keepMaps: true },
  );
  const samplePixels = sampleStructureCounts(summary.sampleClassCounts, Tout);
  const decided = options.rules
    ? decideRules(options.rules, (structure) => ({
        entropy: summary.entropy,
        mi: summary.mi,
        diceWithin: summary.structures[structure].diceWithin,
        assdWithinMm: summary.structures[structure].assdWithinMm,
      }))
    : null;
  return {
    summary,
    pixels: structurePixelCounts(summary.meanLabels, ACDC_LABELS),
    samplePixels,
    flagged: decided?.flagged ?? null,
    decisions: decided?.decisions ?? null,
  };
}
