/**
 * Region boundary ∂R of a 2-D label image (docs/design.md "Definitions"): the pixels of R = {labels == value}
 * with at least one 4-connected neighbour outside R, where outside the image counts as outside R.
 * Arrays are row-major, index x·cols + y (src/engine/data/types.ts).
 */
import { type PixelBox, emptyBox } from './distance-transform';

/** Bounding box of {labels == value} written into `box` (empty box when absent); returns |R|. */
export function regionBox(labels: Uint8Array, rows: number, cols: number, value: number, box: PixelBox): number {
  let r0 = Number.MAX_SAFE_INTEGER;
  let r1 = -1;
  let c0 = Number.MAX_SAFE_INTEGER;
  let c1 = -1;
  let count = 0;
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      if (labels[i] !== value) continue;
      count++;
      if (r < r0) r0 = r;
      r1 = r;
      if (c < c0) c0 = c;
      if (c > c1) c1 = c;
    }
  }
  box.r0 = r0;
  box.r1 = r1;
  box.c0 = c0;
  box.c1 = c1;
  return count;
}

/** Receives |R ∩ {other == value}| from the same scan (the Dice numerator). */
export interface RegionOverlap {
  other: Uint8Array;
  count: number;
}

/**
 * Writes the indices of ∂R into `out` in raster order and returns how many. `box` must contain R
 * (pixels outside it are not examined); pass the whole image when unsure. With `overlap`, also
 * counts the pixels of R where `overlap.other` holds the same value.
 */
export function boundaryPixels(
  labels: Uint8Array,
  rows: number,
  cols: number,
  value: number,
  box: PixelBox,
  out: Int32Array,
  overlap?: RegionOverlap,
): number {
  let n = 0;
  let shared = 0;
  const other = overlap?.other;
  const rLast = rows - 1;
  const cLast = cols - 1;
  for (let r = box.r0; r <= box.r1; r++) {
    const row = r * cols;
    for (let c = box.c0; c <= box.c1; c++) {
      const i = row + c;
      if (labels[i] !== value) continue;
      if (other !== undefined && other[i] === value) shared++;
      if (
        r === 0 ||
        r === rLast ||
        c === 0 ||
        c === cLast ||
        labels[i - cols] !== value ||
        labels[i + cols] !== value ||
        labels[i - 1] !== value ||
        labels[i + 1] !== value
      ) {
        out[n++] = i;
      }
    }
  }
  if (overlap) overlap.count = shared;
  return n;
}

/** Boundary mask (1 on ∂R, 0 elsewhere) of {labels == value}; convenience for callers and tests. */
export function boundaryMask(labels: Uint8Array, rows: number, cols: number, value: number): Uint8Array {
  const box = emptyBox();
  regionBox(labels, rows, cols, value, box);
  const idx = new Int32Array(rows * cols);
  const n = boundaryPixels(labels, rows, cols, value, box, idx);
  const mask = new Uint8Array(rows * cols);
  for (let i = 0; i < n; i++) mask[idx[i]] = 1;
  return mask;
}
