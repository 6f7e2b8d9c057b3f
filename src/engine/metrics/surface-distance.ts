/**
 * Boundary-to-boundary distances shared by ASSD, HD, HD95 (segmentation-metrics.ts) and the
 * within-sample ASSD (within-sample.ts). DESIGN.md "Definitions" / paper "Segmentation Accuracy":
 *
 *   d(p, ∂B) = min over q ∈ ∂B of ‖p − q‖ in mm (pixel centres, spacing sx along x, sy along y)
 *
 * Computed exactly through the squared EDT of ∂B (distance-transform.ts) read at the pixels of ∂A,
 * so the cost is linear in the pixels of the bounding box of A ∪ B, never |∂A|·|∂B|.
 */
import type { SpacingMm } from '../data/types';
import { boundaryPixels, regionBox } from './boundary';
import {
  DistanceTransformWorkspace,
  type PixelBox,
  emptyBox,
  isEmptyBox,
  squaredDistanceToPixels,
} from './distance-transform';

/** Reusable buffers for one image size (rows × cols). */
export class SurfaceDistanceWorkspace {
  readonly boundaryA: Int32Array;
  readonly boundaryB: Int32Array;
  /** Squared distance field, mm². */
  readonly field: Float64Array;
  readonly transform: DistanceTransformWorkspace;
  readonly boxA: PixelBox = emptyBox();
  readonly boxB: PixelBox = emptyBox();
  readonly box: PixelBox = emptyBox();
  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    const n = rows * cols;
    this.boundaryA = new Int32Array(n);
    this.boundaryB = new Int32Array(n);
    this.field = new Float64Array(n);
    this.transform = new DistanceTransformWorkspace(Math.max(rows, cols));
  }
}

/** Sum and maximum of a set of directed distances in mm. */
export interface DirectedDistances {
  sumMm: number;
  maxMm: number;
}

/**
 * d(p, ∂B) for the pixels p = from[0..n) given the squared distance field of ∂B; optionally copies
 * each distance into collect[offset + i] (for percentiles).
 */
export function directedDistances(
  from: Int32Array,
  n: number,
  squaredField: Float64Array,
  collect?: Float64Array,
  offset = 0,
): DirectedDistances {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.sqrt(squaredField[from[i]]);
    sum += d;
    if (d > max) max = d;
    if (collect) collect[offset + i] = d;
  }
  return { sumMm: sum, maxMm: max };
}

/** Smallest box containing both boxes, written into `out`. */
export function unionBox(a: PixelBox, b: PixelBox, out: PixelBox): PixelBox {
  out.r0 = Math.min(a.r0, b.r0);
  out.r1 = Math.max(a.r1, b.r1);
  out.c0 = Math.min(a.c0, b.c0);
  out.c1 = Math.max(a.c1, b.c1);
  return out;
}

export interface SurfaceDistances {
  /** |∂A| and |∂B| (0 exactly when the region is empty). */
  boundaryCountA: number;
  boundaryCountB: number;
  /** Directed A→B (over ∂A) and B→A (over ∂B); zeros when either boundary is empty. */
  aToB: DirectedDistances;
  bToA: DirectedDistances;
}

/**
 * Directed surface distances between A = {a == valueA} and B = {b == valueB} (both rows × cols).
 * When `collect` is given (length ≥ |∂A| + |∂B|) it receives the |∂A| distances A→B followed by the
 * |∂B| distances B→A.
 */
export function surfaceDistances(
  a: Uint8Array,
  valueA: number,
  b: Uint8Array,
  valueB: number,
  rows: number,
  cols: number,
  spacingMm: SpacingMm,
  ws: SurfaceDistanceWorkspace = new SurfaceDistanceWorkspace(rows, cols),
  collect?: Float64Array,
): SurfaceDistances {
  regionBox(a, rows, cols, valueA, ws.boxA);
  regionBox(b, rows, cols, valueB, ws.boxB);
  const nA = isEmptyBox(ws.boxA) ? 0 : boundaryPixels(a, rows, cols, valueA, ws.boxA, ws.boundaryA);
  const nB = isEmptyBox(ws.boxB) ? 0 : boundaryPixels(b, rows, cols, valueB, ws.boxB, ws.boundaryB);
  if (nA === 0 || nB === 0) {
    return { boundaryCountA: nA, boundaryCountB: nB, aToB: { sumMm: 0, maxMm: 0 }, bToA: { sumMm: 0, maxMm: 0 } };
  }
  const box = unionBox(ws.boxA, ws.boxB, ws.box);
  squaredDistanceToPixels(ws.boundaryB, nB, rows, cols, spacingMm, box, ws.field, ws.transform);
  const aToB = directedDistances(ws.boundaryA, nA, ws.field, collect, 0);
  squaredDistanceToPixels(ws.boundaryA, nA, rows, cols, spacingMm, box, ws.field, ws.transform);
  const bToA = directedDistances(ws.boundaryB, nB, ws.field, collect, nA);
  return { boundaryCountA: nA, boundaryCountB: nB, aToB, bToA };
}
