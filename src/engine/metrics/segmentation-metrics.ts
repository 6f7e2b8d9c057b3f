/**
 * Per-slice, per-structure segmentation accuracy (paper "Algorithm Evaluation → Segmentation
 * Accuracy"; docs/design.md "Definitions", exact contract). With A = prediction, B = ground truth:
 *
 *   Dice = 2|A∩B| / (|A| + |B|)
 *   ASSD = (Σ_{p∈∂A} d(p,∂B) + Σ_{q∈∂B} d(q,∂A)) / (|∂A| + |∂B|)          [mm]
 *   HD   = max(max_{p∈∂A} d(p,∂B), max_{q∈∂B} d(q,∂A))                      [mm]
 *   HD95 = 95th percentile of the pooled |∂A| + |∂B| directed distances      [mm]
 *          (both directions in one list, as medpy's hd95), percentile by linear interpolation
 *          between closest ranks: sorted v[0..n−1], position h = 0.95·(n−1),
 *          HD95 = v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋])   (numpy's default "linear" method).
 *
 * Boundaries and d(·,·) as in boundary.ts / surface-distance.ts. Empty masks:
 *   BOTH_EMPTY → Dice 1, ASSD 0, HD 0, HD95 0;
 *   PRED_EMPTY / GT_EMPTY → Dice 0, ASSD, HD, HD95 null (undefined; poor in QC).
 */
import { ACDC_LABELS, type LabelMap, type SpacingMm, STRUCTURES, type Structure } from '../data/types';
import { SurfaceDistanceWorkspace, surfaceDistances } from './surface-distance';

export type MetricStatus = 'OK' | 'BOTH_EMPTY' | 'PRED_EMPTY' | 'GT_EMPTY';

export interface StructureMetrics {
  status: MetricStatus;
  dice: number;
  assdMm: number | null;
  hdMm: number | null;
  hd95Mm: number | null;
}

/** q-quantile (0 ≤ q ≤ 1) of values[0..n) by linear interpolation between closest ranks; sorts in place. */
export function percentileLinear(values: Float64Array, n: number, q: number): number {
  const v = values.subarray(0, n).sort();
  const h = q * (n - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

/** Buffers reused across slices of one size. */
export class SegmentationMetricsWorkspace {
  readonly surface: SurfaceDistanceWorkspace;
  readonly distances: Float64Array;
  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.surface = new SurfaceDistanceWorkspace(rows, cols);
    this.distances = new Float64Array(2 * rows * cols);
  }
}

/**
 * Dice, ASSD, HD, HD95 between A = {pred == predValue} and B = {gt == gtValue}, both label images
 * of rows × cols with spacingMm = [x, y] in mm.
 */
export function structureMetrics(
  pred: Uint8Array,
  gt: Uint8Array,
  rows: number,
  cols: number,
  spacingMm: SpacingMm,
  predValue: number,
  gtValue: number = predValue,
  ws: SegmentationMetricsWorkspace = new SegmentationMetricsWorkspace(rows, cols),
): StructureMetrics {
  const n = rows * cols;
  let sizeA = 0;
  let sizeB = 0;
  let both = 0;
  for (let i = 0; i < n; i++) {
    const inA = pred[i] === predValue;
    const inB = gt[i] === gtValue;
    if (inA) sizeA++;
    if (inB) sizeB++;
    if (inA && inB) both++;
  }
  if (sizeA === 0 && sizeB === 0) return { status: 'BOTH_EMPTY', dice: 1, assdMm: 0, hdMm: 0, hd95Mm: 0 };
  if (sizeA === 0) return { status: 'PRED_EMPTY', dice: 0, assdMm: null, hdMm: null, hd95Mm: null };
  if (sizeB === 0) return { status: 'GT_EMPTY', dice: 0, assdMm: null, hdMm: null, hd95Mm: null };
  const s = surfaceDistances(pred, predValue, gt, gtValue, rows, cols, spacingMm, ws.surface, ws.distances);
  const pooled = s.boundaryCountA + s.boundaryCountB;
  return {
    status: 'OK',
    dice: (2 * both) / (sizeA + sizeB),
    assdMm: (s.aToB.sumMm + s.bToA.sumMm) / pooled,
    hdMm: Math.max(s.aToB.maxMm, s.bToA.maxMm),
    hd95Mm: percentileLinear(ws.distances, pooled, 0.95),
  };
}

/**
 * Metrics for every structure of one slice; `labels` gives the label value of each structure in
 * both images (ACDC values by default).
 */
export function sliceMetrics(
  pred: Uint8Array,
  gt: Uint8Array,
  rows: number,
  cols: number,
  spacingMm: SpacingMm,
  labels: LabelMap = ACDC_LABELS,
  ws: SegmentationMetricsWorkspace = new SegmentationMetricsWorkspace(rows, cols),
): Record<Structure, StructureMetrics> {
  const out = {} as Record<Structure, StructureMetrics>;
  for (const s of STRUCTURES) out[s] = structureMetrics(pred, gt, rows, cols, spacingMm, labels[s], labels[s], ws);
  return out;
}
