/**
 * Checking a QC policy's promise on new data once its ground truth exists (docs/design.md
 * "Review" → "Checking the promise"). Cases are the inference's slices that have ground truth
 * (imported, attached or from a review); each carries the policy's flag as the inference decided
 * it, and per structure whether the inference's mean segmentation is poor against that ground
 * truth (poor-segmentation.ts on segmentation-metrics.ts, the evaluation's definitions). As in the
 * policy's promise (policy-promise.ts), a case is poor when it is poor in any rule's structure, and
 * over the N labelled cases:
 *
 *   realised review fraction = flagged / N,   realised poor left = poor and not flagged / N.
 *
 * Per structure the same poor left is reported with that structure alone. N = 0 gives null
 * fractions (nothing to check yet), never 0.
 */
import { type SpacingMm, STRUCTURES, type Structure } from '../data/types';
import { isPoorSegmentation } from './poor-segmentation';
import { SegmentationMetricsWorkspace, sliceMetrics } from './segmentation-metrics';

export interface PromiseCase {
  flagged: boolean;
  poor: Readonly<Record<Structure, boolean>>;
}

export interface StructurePoorLeft {
  structure: Structure;
  /** Cases poor in this structure. */
  poor: number;
  /** Of them not flagged, over N; null for N = 0. */
  poorLeft: number | null;
}

export interface RealisedPromise {
  labelled: number;
  flagged: number;
  /** Cases poor in any rule structure. */
  poor: number;
  reviewFraction: number | null;
  poorLeft: number | null;
  structures: StructurePoorLeft[];
}

/** Per structure: is the mean segmentation (class indices) poor against the ground truth? */
export function poorByStructure(
  meanLabels: Uint8Array,
  groundTruth: Uint8Array,
  rows: number,
  cols: number,
  spacingMm: SpacingMm,
  ws: SegmentationMetricsWorkspace = new SegmentationMetricsWorkspace(rows, cols),
): Record<Structure, boolean> {
  const metrics = sliceMetrics(meanLabels, groundTruth, rows, cols, spacingMm, undefined, ws);
  return Object.fromEntries(STRUCTURES.map((s) => [s, isPoorSegmentation(metrics[s], s)])) as Record<
    Structure,
    boolean
  >;
}

export function realisedPromise(cases: readonly PromiseCase[], ruleStructures: readonly Structure[]): RealisedPromise {
  const n = cases.length;
  const over = (count: number) => (n === 0 ? null : count / n);
  const poorAny = (c: PromiseCase) => ruleStructures.some((s) => c.poor[s]);
  const flagged = cases.filter((c) => c.flagged).length;
  return {
    labelled: n,
    flagged,
    poor: cases.filter(poorAny).length,
    reviewFraction: over(flagged),
    poorLeft: over(cases.filter((c) => poorAny(c) && !c.flagged).length),
    structures: STRUCTURES.map((structure) => ({
      structure,
      poor: cases.filter((c) => c.poor[structure]).length,
      poorLeft: over(cases.filter((c) => c.poor[structure] && !c.flagged).length),
    })),
  };
}
