/**
 * Poor segmentation for quality control (paper "Uncertainty for Segmentation Quality Control";
 * docs/design.md "Definitions"): a predicted structure is poor when its ASSD to the ground truth exceeds
 * the inter-observer ASSD — LV 1.17 mm, MYO 1.19 mm, RV 1.88 mm by default — or when it is missed
 * (ASSD undefined because exactly one of prediction and ground truth is empty). Both empty gives
 * ASSD 0, which is not poor.
 */
import type { Structure } from '../data/types';
import type { MetricStatus, StructureMetrics } from './segmentation-metrics';

export const INTER_OBSERVER_ASSD_MM: Readonly<Record<Structure, number>> = Object.freeze({
  LV: 1.17,
  MYO: 1.19,
  RV: 1.88,
});

/** ASSD (mm, null when undefined) strictly above the threshold, or undefined, is poor. */
export function isPoorAssd(assdMm: number | null, thresholdMm: number, status?: MetricStatus): boolean {
  if (status === 'PRED_EMPTY' || status === 'GT_EMPTY') return true;
  if (assdMm === null) return true;
  return assdMm > thresholdMm;
}

export function isPoorSegmentation(
  metrics: Pick<StructureMetrics, 'assdMm' | 'status'>,
  structure: Structure,
  thresholdsMm: Readonly<Record<Structure, number>> = INTER_OBSERVER_ASSD_MM,
): boolean {
  return isPoorAssd(metrics.assdMm, thresholdsMm[structure], metrics.status);
}
