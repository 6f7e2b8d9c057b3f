/**
 * Preprocessing (paper, DESIGN.md "Models"): centre crop (or zero-pad) to 160 × 160, and
 * normalisation with the training set's mean and standard deviation. `uncrop` puts a prediction made
 * on the crop back on the input slice's own grid.
 *
 * Crop geometry: the crop's top-left corner is at (⌊(rows − size)/2⌋, ⌊(cols − size)/2⌋) in the
 * input, negative when padding. Both directions use the same offsets, so crop → uncrop is exact on
 * the overlap.
 */
import { InvalidInputError } from '../errors';
import type { Slice2D } from './types';

export const CROP_SIZE = 160;

export interface CropInfo {
  /** The input grid. */
  rows: number;
  cols: number;
  /** The crop grid (square). */
  size: number;
  /** Input row/col of the crop's first pixel (negative when padding). */
  rowOffset: number;
  colOffset: number;
}

export function cropInfo(rows: number, cols: number, size = CROP_SIZE): CropInfo {
  return { rows, cols, size, rowOffset: Math.floor((rows - size) / 2), colOffset: Math.floor((cols - size) / 2) };
}

type Pixels = Float32Array | Uint8Array;

/** Crop/pad `data` (rows × cols × channels, channel-last) to size × size × channels. */
export function cropArray<T extends Pixels>(data: T, info: CropInfo, channels = 1, fill: number | readonly number[] = 0): T {
  const { rows, cols, size, rowOffset, colOffset } = info;
  if (data.length !== rows * cols * channels) {
    throw new InvalidInputError('BAD_SHAPE', `array of ${data.length} values is not ${rows}×${cols}×${channels}`);
  }
  const out = new (data.constructor as new (n: number) => T)(size * size * channels);
  fillChannels(out, channels, fill);
  copyWindow(data, cols, out, size, rowOffset, colOffset, size, channels, rows, cols);
  return out;
}

/**
 * Put a crop-grid array (size × size × channels) back on the input grid (rows × cols × channels);
 * input pixels outside the crop get `fill` (per channel for probabilities, e.g. [1, 0, 0, 0]).
 */
export function uncrop<T extends Pixels>(data: T, info: CropInfo, channels = 1, fill: number | readonly number[] = 0): T {
  const { rows, cols, size, rowOffset, colOffset } = info;
  if (data.length !== size * size * channels) {
    throw new InvalidInputError('BAD_SHAPE', `array of ${data.length} values is not ${size}×${size}×${channels}`);
  }
  const out = new (data.constructor as new (n: number) => T)(rows * cols * channels);
  fillChannels(out, channels, fill);
  // out[r][c] = data[r − rowOffset][c − colOffset]
  for (let r = 0; r < rows; r++) {
    const sr = r - rowOffset;
    if (sr < 0 || sr >= size) continue;
    for (let c = 0; c < cols; c++) {
      const sc = c - colOffset;
      if (sc < 0 || sc >= size) continue;
      const o = (r * cols + c) * channels;
      const s = (sr * size + sc) * channels;
      for (let ch = 0; ch < channels; ch++) out[o + ch] = data[s + ch];
    }
  }
  return out;
}

/** Centre crop/pad a slice (image padded with `imageFill`, label with 0) to size × size. */
export function centreCrop<T extends Slice2D>(slice: T, size = CROP_SIZE, imageFill = 0): { slice: T; crop: CropInfo } {
  const crop = cropInfo(slice.rows, slice.cols, size);
  return {
    slice: {
      ...slice,
      rows: size,
      cols: size,
      image: cropArray(slice.image, crop, 1, imageFill),
      label: cropArray(slice.label, crop, 1, 0),
    },
    crop,
  };
}

export interface IntensityStats {
  mean: number;
  std: number;
  /** Number of pixels the statistics were computed on. */
  count: number;
}

/** Mean and (population) standard deviation over all pixels of the given (training) images. */
export function computeIntensityStats(slices: ReadonlyArray<{ image: ArrayLike<number> }>): IntensityStats {
  let n = 0;
  let sum = 0;
  for (const s of slices) for (let k = 0; k < s.image.length; k++) sum += s.image[k], n++;
  if (n === 0) throw new InvalidInputError('BAD_ARGUMENT', 'no pixels to compute intensity statistics from');
  const mean = sum / n;
  let ss = 0;
  for (const s of slices) {
    for (let k = 0; k < s.image.length; k++) {
      const d = s.image[k] - mean;
      ss += d * d;
    }
  }
  return { mean, std: Math.sqrt(ss / n), count: n };
}

/** (x − mean) / std; a zero std (constant training data) divides by 1. */
export function normalise(image: Float32Array, stats: Pick<IntensityStats, 'mean' | 'std'>): Float32Array {
  const inv = stats.std > 0 ? 1 / stats.std : 1;
  const out = new Float32Array(image.length);
  for (let k = 0; k < image.length; k++) out[k] = (image[k] - stats.mean) * inv;
  return out;
}

function fillChannels(out: Pixels, channels: number, fill: number | readonly number[]): void {
  if (typeof fill === 'number') {
    if (fill !== 0) out.fill(fill);
    return;
  }
  if (fill.length !== channels) throw new InvalidInputError('BAD_ARGUMENT', `fill needs ${channels} values`);
  for (let k = 0; k < out.length; k++) out[k] = fill[k % channels];
}

function copyWindow(
  src: Pixels,
  srcCols: number,
  dst: Pixels,
  dstCols: number,
  rowOffset: number,
  colOffset: number,
  size: number,
  channels: number,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < size; r++) {
    const sr = r + rowOffset;
    if (sr < 0 || sr >= rows) continue;
    for (let c = 0; c < size; c++) {
      const sc = c + colOffset;
      if (sc < 0 || sc >= cols) continue;
      const s = (sr * srcCols + sc) * channels;
      const o = (r * dstCols + c) * channels;
      for (let ch = 0; ch < channels; ch++) dst[o + ch] = src[s + ch];
    }
  }
}
