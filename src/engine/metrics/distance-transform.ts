/**
 * Exact squared Euclidean distance transform (EDT) of a 2-D binary feature set, with anisotropic
 * pixel spacing, in linear time: Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions" (Theory of Computing 8, 2012) — the lower envelope of parabolas, one 1-D pass along the
 * columns (NIfTI y, spacing spacingMm[1]) and one along the rows (NIfTI x, spacing spacingMm[0]).
 * Hand-written because no maintained JavaScript library offers an exact EDT with spacing.
 *
 *   D(x, y) = min over feature pixels (x', y') of ((x − x')·sx)² + ((y − y')·sy)²   [mm²]
 *
 * Pixels with no feature pixel at all get +Infinity. The transform may be restricted to a box that
 * contains every feature pixel: the minimum over the features is then still exact for each pixel of
 * the box (both 1-D passes only ever scan feature rows/columns inside it). Used by
 * surface-distance.ts for d(p, ∂B) in docs/design.md "Definitions".
 */
import type { SpacingMm } from '../data/types';

/** Inclusive pixel box [r0, r1] × [c0, c1] in a rows × cols image; empty when r0 > r1. */
export interface PixelBox {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

export function emptyBox(): PixelBox {
  return { r0: Number.MAX_SAFE_INTEGER, r1: -1, c0: Number.MAX_SAFE_INTEGER, c1: -1 };
}

export function isEmptyBox(box: PixelBox): boolean {
  return box.r0 > box.r1 || box.c0 > box.c1;
}

/** Scratch buffers for the 1-D passes; reuse one per image size to avoid allocation. */
export class DistanceTransformWorkspace {
  readonly line: Float64Array;
  readonly siteIndex: Int32Array;
  readonly siteValue: Float64Array;
  readonly boundary: Float64Array;
  constructor(readonly maxLength: number) {
    this.line = new Float64Array(maxLength);
    this.siteIndex = new Int32Array(maxLength);
    this.siteValue = new Float64Array(maxLength);
    this.boundary = new Float64Array(maxLength + 1);
  }
}

/**
 * 1-D squared distance transform of the sampled function f (Infinity = no site), in place:
 * f[q] ← min_p ((q − p)·spacing)² + f[p], for q = 0..n−1 at data[offset + q·stride].
 */
function transform1D(
  data: Float64Array,
  offset: number,
  stride: number,
  n: number,
  spacing: number,
  ws: DistanceTransformWorkspace,
): void {
  const f = ws.line;
  const v = ws.siteIndex;
  const fv = ws.siteValue;
  const z = ws.boundary;
  for (let q = 0, i = offset; q < n; q++, i += stride) f[q] = data[i];
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
    if (fq === Infinity) continue;
    const zq = q * spacing;
    const hq = fq + zq * zq;
    while (k >= 0) {
      const zp = v[k] * spacing;
      // Abscissa where the parabola of q starts to lie below the one of v[k].
      const s = (hq - (fv[k] + zp * zp)) / (2 * (zq - zp));
      if (s <= z[k]) k--;
      else {
        k++;
        v[k] = q;
        fv[k] = fq;
        z[k] = s;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      fv[0] = fq;
      z[0] = -Infinity;
    }
  }
  if (k < 0) return; // no site on this line: stays Infinity
  let j = 0;
  for (let q = 0, i = offset; q < n; q++, i += stride) {
    const zq = q * spacing;
    while (j < k && z[j + 1] < zq) j++;
    const d = (q - v[j]) * spacing;
    data[i] = d * d + fv[j];
  }
}

/**
 * Squared EDT (mm²) to the feature pixels `features[0..count)` (indices x·cols + y), written into
 * `out` over `box` only (the box must contain every feature pixel); entries outside the box are
 * left untouched.
 */
export function squaredDistanceToPixels(
  features: Int32Array,
  count: number,
  rows: number,
  cols: number,
  spacingMm: SpacingMm,
  box: PixelBox,
  out: Float64Array,
  ws: DistanceTransformWorkspace = new DistanceTransformWorkspace(Math.max(rows, cols)),
): Float64Array {
  if (isEmptyBox(box)) return out;
  const { r0, r1, c0, c1 } = box;
  for (let r = r0; r <= r1; r++) out.fill(Infinity, r * cols + c0, r * cols + c1 + 1);
  for (let i = 0; i < count; i++) out[features[i]] = 0;
  const width = c1 - c0 + 1;
  const height = r1 - r0 + 1;
  // Pass 1: along each row (varying y), only rows that hold a feature pixel. The input is binary
  // (0 or ∞), so the 1-D transform is the squared distance to the nearest feature on the row:
  // a forward and a backward sweep.
  const sy = spacingMm[1];
  for (let r = r0; r <= r1; r++) {
    const base = r * cols + c0;
    let last = -1;
    for (let c = 0; c < width; c++) {
      if (out[base + c] === 0) last = c;
      else if (last >= 0) {
        const d = (c - last) * sy;
        out[base + c] = d * d;
      }
    }
    if (last < 0) continue; // no feature on this row: stays ∞
    let next = -1;
    for (let c = width - 1; c >= 0; c--) {
      const v = out[base + c];
      if (v === 0) next = c;
      else if (next >= 0) {
        const d = (next - c) * sy;
        const d2 = d * d;
        if (d2 < v) out[base + c] = d2;
      }
    }
  }
  // Pass 2: along each column (varying x).
  for (let c = c0; c <= c1; c++) transform1D(out, r0 * cols + c, cols, height, spacingMm[0], ws);
  return out;
}

/** Squared EDT (mm²) over the whole image to the pixels where `mask` is non-zero. */
export function squaredDistanceTransform(
  mask: ArrayLike<number>,
  rows: number,
  cols: number,
  spacingMm: SpacingMm,
): Float64Array {
  const features = new Int32Array(rows * cols);
  let count = 0;
  for (let i = 0; i < rows * cols; i++) if (mask[i] !== 0) features[count++] = i;
  const out = new Float64Array(rows * cols);
  return squaredDistanceToPixels(
    features,
    count,
    rows,
    cols,
    spacingMm,
    { r0: 0, r1: rows - 1, c0: 0, c1: cols - 1 },
    out,
  );
}
