/**
 * Boundary-to-boundary distances shared by ASSD, HD, HD95 (segmentation-metrics.ts) and the
 * within-sample ASSD (within-sample.ts). docs/design.md "Definitions" / paper "Segmentation Accuracy":
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

/**
 * Σ_{p ∈ from} d(p, ∂B) in mm by searching outwards from each p over `marks` (non-zero exactly on
 * ∂B, rows × cols) in square rings, for when ∂B lies close to the points (the within-sample ASSD:
 * S_t and S̄ mostly share their boundary). Ring ρ holds the pixels at Chebyshev distance ρ, all at
 * least ρ·min(sx, sy) away, so the search stops, exactly, once that bound reaches the best distance
 * found (or the rings leave the image). Returns NaN when the search around some p would go past
 * `maxRadius` rings: the caller then takes the distance transform. Squared distances are formed as
 * in distance-transform.ts, so the sum is the same to the last bit.
 */
export function directedSumByRingSearch(
  from: Int32Array,
  n: number,
  marks: Uint8Array,
  rows: number,
  cols: number,
  spacingMm: SpacingMm,
  maxRadius: number,
): number {
  const [sx, sy] = spacingMm;
  const sMin = Math.min(sx, sy);
  let sum = 0;
  const sx2 = sx * sx;
  const sy2 = sy * sy;
  const nearBound = 4 * sMin * sMin;
  for (let i = 0; i < n; i++) {
    const p = from[i];
    if (marks[p] !== 0) continue;
    const r = Math.floor(p / cols);
    const c = p - r * cols;
    // Fast path: a 4-neighbour on ∂B beats every diagonal and, unless the spacing is more than 2:1
    // anisotropic, everything from ring 2 on.
    let best = Infinity;
    if ((r > 0 && marks[p - cols] !== 0) || (r < rows - 1 && marks[p + cols] !== 0)) best = sx2;
    if (((c > 0 && marks[p - 1] !== 0) || (c < cols - 1 && marks[p + 1] !== 0)) && sy2 < best) best = sy2;
    if (best <= nearBound) {
      sum += Math.sqrt(best);
      continue;
    }
    const reach = Math.max(r, rows - 1 - r, c, cols - 1 - c); // rings beyond hold no pixel
    for (let rho = 1; rho <= reach && rho * sMin * (rho * sMin) < best; rho++) {
      if (rho > maxRadius) return NaN;
      const cLo = Math.max(c - rho, 0);
      const cHi = Math.min(c + rho, cols - 1);
      for (let side = -1; side <= 1; side += 2) {
        const dr = side * rho;
        const rr = r + dr;
        if (rr < 0 || rr >= rows) continue;
        const dx = dr * sx;
        for (let cc = cLo, q = rr * cols + cLo; cc <= cHi; cc++, q++) {
          if (marks[q] === 0) continue;
          const dy = (cc - c) * sy;
          const d2 = dx * dx + dy * dy;
          if (d2 < best) best = d2;
        }
      }
      const rLo = Math.max(r - rho + 1, 0);
      const rHi = Math.min(r + rho - 1, rows - 1);
      for (let side = -1; side <= 1; side += 2) {
        const dc = side * rho;
        const cc = c + dc;
        if (cc < 0 || cc >= cols) continue;
        const dy = dc * sy;
        for (let rr = rLo, q = rLo * cols + cc; rr <= rHi; rr++, q += cols) {
          if (marks[q] === 0) continue;
          const dx = (rr - r) * sx;
          const d2 = dx * dx + dy * dy;
          if (d2 < best) best = d2;
        }
      }
    }
    sum += Math.sqrt(best);
  }
  return sum;
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
