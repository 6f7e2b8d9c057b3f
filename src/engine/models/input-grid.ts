/**
 * The network's input grid and its inverse (paper "Training Details": centre crop, then intensity
 * normalisation with the training set's mean and standard deviation).
 *
 * Forward: centre crop `cropSize`×`cropSize` (zero padding outside the slice, i.e. the mean after
 * normalisation), then average `downsample`×`downsample` blocks. The crop window starts at
 * ⌊(rows − cropSize)/2⌋ (negative when the slice is smaller). Labels become soft targets: the
 * fraction of each class in a block (one-hot when downsample = 1).
 *
 * Inverse: probabilities are upsampled bilinearly (half-pixel centres, edge clamped) and pasted
 * into the crop window on the slice's own grid; pixels outside the window get background
 * probability 1 (the crop always contains the heart).
 */
import { NUM_CLASSES } from '../data/types';

export interface Geometry {
  cropSize: number;
  downsample: number;
}

export interface IntensityStats {
  mean: number;
  std: number;
}

function cropOrigin(n: number, crop: number): number {
  return Math.floor((n - crop) / 2);
}

/** Normalised, cropped, downsampled image: Float32Array of inputSize². */
export function imageToInput(
  image: Float32Array,
  rows: number,
  cols: number,
  g: Geometry,
  stats: IntensityStats,
  out = new Float32Array((g.cropSize / g.downsample) ** 2),
): Float32Array {
  const s = g.cropSize / g.downsample;
  const r0 = cropOrigin(rows, g.cropSize);
  const c0 = cropOrigin(cols, g.cropSize);
  const f = g.downsample;
  const inv = 1 / (f * f);
  const scale = 1 / stats.std;
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (let a = 0; a < f; a++) {
        const r = r0 + i * f + a;
        if (r < 0 || r >= rows) continue;
        for (let b = 0; b < f; b++) {
          const c = c0 + j * f + b;
          if (c < 0 || c >= cols) continue;
          acc += (image[r * cols + c] - stats.mean) * scale;
        }
      }
      out[i * s + j] = acc * inv;
    }
  }
  return out;
}

/** Soft class targets on the input grid: Float32Array inputSize² × NUM_CLASSES. */
export function labelToTarget(
  label: Uint8Array,
  rows: number,
  cols: number,
  g: Geometry,
  out = new Float32Array((g.cropSize / g.downsample) ** 2 * NUM_CLASSES),
): Float32Array {
  const s = g.cropSize / g.downsample;
  const r0 = cropOrigin(rows, g.cropSize);
  const c0 = cropOrigin(cols, g.cropSize);
  const f = g.downsample;
  const w = 1 / (f * f);
  out.fill(0);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const o = (i * s + j) * NUM_CLASSES;
      for (let a = 0; a < f; a++) {
        for (let b = 0; b < f; b++) {
          const r = r0 + i * f + a;
          const c = c0 + j * f + b;
          const k = r < 0 || r >= rows || c < 0 || c >= cols ? 0 : label[r * cols + c];
          out[o + k] += w;
        }
      }
    }
  }
  return out;
}

/**
 * Probabilities [T, s, s, C] on the input grid → [T, rows, cols, C] on the slice's grid: bilinear
 * with half-pixel centres inside the crop window, background (1, 0, 0, 0) outside it.
 */
export function probabilitiesToSlice(
  probs: Float32Array,
  T: number,
  rows: number,
  cols: number,
  g: Geometry,
): Float32Array {
  const C = NUM_CLASSES;
  const s = g.cropSize / g.downsample;
  const f = g.downsample;
  const r0 = cropOrigin(rows, g.cropSize);
  const c0 = cropOrigin(cols, g.cropSize);
  const out = new Float32Array(T * rows * cols * C);
  if (f === 1) return copyCropWindow(probs, out, T, rows, cols, s, r0, c0);
  const clamp = (v: number): number => (v < 0 ? 0 : v > s - 1 ? s - 1 : v);
  for (let t = 0; t < T; t++) {
    const src = t * s * s * C;
    const dst = t * rows * cols * C;
    for (let r = 0; r < rows; r++) {
      const y = r - r0;
      const inside = y >= 0 && y < g.cropSize;
      // Half-pixel centres: output pixel y maps to input coordinate (y + 0.5)/f − 0.5.
      const fy = clamp((y + 0.5) / f - 0.5);
      const y0 = Math.floor(fy);
      const y1 = Math.min(y0 + 1, s - 1);
      const wy = fy - y0;
      for (let c = 0; c < cols; c++) {
        const o = dst + (r * cols + c) * C;
        const x = c - c0;
        if (!inside || x < 0 || x >= g.cropSize) {
          out[o] = 1;
          continue;
        }
        const fx = clamp((x + 0.5) / f - 0.5);
        const x0 = Math.floor(fx);
        const x1 = Math.min(x0 + 1, s - 1);
        const wx = fx - x0;
        const a = src + (y0 * s + x0) * C;
        const b = src + (y0 * s + x1) * C;
        const d = src + (y1 * s + x0) * C;
        const e = src + (y1 * s + x1) * C;
        for (let k = 0; k < C; k++) {
          out[o + k] =
            (1 - wy) * ((1 - wx) * probs[a + k] + wx * probs[b + k]) +
            wy * ((1 - wx) * probs[d + k] + wx * probs[e + k]);
        }
      }
    }
  }
  return out;
}

/**
 * probabilitiesToSlice at full resolution: the bilinear weights are then 0 and 1, so the window's
 * rows are copied as they are (the same values, without the per-pixel arithmetic).
 */
function copyCropWindow(
  probs: Float32Array,
  out: Float32Array,
  T: number,
  rows: number,
  cols: number,
  s: number,
  r0: number,
  c0: number,
): Float32Array {
  const C = NUM_CLASSES;
  const cStart = Math.max(0, c0);
  const cEnd = Math.min(cols, c0 + s);
  for (let t = 0; t < T; t++) {
    const src = t * s * s * C;
    const dst = t * rows * cols * C;
    for (let r = 0; r < rows; r++) {
      const y = r - r0;
      const row = dst + r * cols * C;
      const inside = y >= 0 && y < s && cEnd > cStart;
      for (let c = 0; c < cols; c++) if (!inside || c < cStart || c >= cEnd) out[row + c * C] = 1;
      if (inside)
        out.set(probs.subarray(src + (y * s + cStart - c0) * C, src + (y * s + cEnd - c0) * C), row + cStart * C);
    }
  }
  return out;
}

/** Mean and standard deviation of all pixels inside the crop windows of the training images. */
export function intensityStats(
  images: ReadonlyArray<{ image: Float32Array; rows: number; cols: number }>,
  g: Geometry,
): IntensityStats {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (const im of images) {
    const r0 = Math.max(0, cropOrigin(im.rows, g.cropSize));
    const c0 = Math.max(0, cropOrigin(im.cols, g.cropSize));
    const r1 = Math.min(im.rows, r0 + g.cropSize);
    const c1 = Math.min(im.cols, c0 + g.cropSize);
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const v = im.image[r * im.cols + c];
        sum += v;
        sumSq += v * v;
        n++;
      }
    }
  }
  if (n === 0) return { mean: 0, std: 1 };
  const mean = sum / n;
  const std = Math.sqrt(Math.max(sumSq / n - mean * mean, 0));
  return { mean, std: std > 0 ? std : 1 };
}
