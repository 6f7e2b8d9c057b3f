/**
 * Training augmentation (paper, docs/design.md "Models"): random rotation ±60°, translation and scaling
 * 0.7–1.3 about the image centre, bilinear interpolation for images and nearest neighbour for
 * labels (so label values stay in the label set). Seeded. Never applied to evaluation data.
 *
 * The paper translates by ±60 px on ≈ 200-px UK Biobank images; on our 160×160 crops the default is
 * the proportional ±48 px (a parameter).
 */
import type { Rng } from '../random';
import type { Slice2D } from './types';

// Math functions bound once: global lookups are slow inside jest's vm sandbox (≈1 µs each).
const { floor, round } = Math;

export interface AugmentOptions {
  maxRotationDeg: number;
  maxTranslationPx: number;
  scaleRange: readonly [number, number];
}

export const DEFAULT_AUGMENT: AugmentOptions = Object.freeze({
  maxRotationDeg: 60,
  maxTranslationPx: 48,
  scaleRange: [0.7, 1.3] as const,
});

/** A similarity transform about the image centre: output = centre + s R(θ) (input − centre) + t. */
export interface Affine {
  rotationRad: number;
  scale: number;
  /** Translation in px along rows and cols. */
  shiftRows: number;
  shiftCols: number;
}

export const IDENTITY_AFFINE: Affine = Object.freeze({ rotationRad: 0, scale: 1, shiftRows: 0, shiftCols: 0 });

export function sampleAffine(rng: Rng, options: AugmentOptions = DEFAULT_AUGMENT): Affine {
  const rot = (options.maxRotationDeg * Math.PI) / 180;
  return {
    rotationRad: rng.range(-rot, rot),
    scale: rng.range(options.scaleRange[0], options.scaleRange[1]),
    shiftRows: rng.range(-options.maxTranslationPx, options.maxTranslationPx),
    shiftCols: rng.range(-options.maxTranslationPx, options.maxTranslationPx),
  };
}

/**
 * Warp a row-major image by `affine` with bilinear interpolation (inverse mapping; samples outside
 * the input take `fill`).
 */
export function warpImage(image: Float32Array, rows: number, cols: number, affine: Affine, fill = 0): Float32Array {
  const out = new Float32Array(rows * cols);
  forEachSource(rows, cols, affine, (k, r, c) => {
    const r0 = floor(r);
    const c0 = floor(c);
    const fr = r - r0;
    const fc = c - c0;
    const v00 = pixel(image, rows, cols, r0, c0, fill);
    const v01 = pixel(image, rows, cols, r0, c0 + 1, fill);
    const v10 = pixel(image, rows, cols, r0 + 1, c0, fill);
    const v11 = pixel(image, rows, cols, r0 + 1, c0 + 1, fill);
    out[k] = (1 - fr) * ((1 - fc) * v00 + fc * v01) + fr * ((1 - fc) * v10 + fc * v11);
  });
  return out;
}

/** Warp a label map by `affine` with nearest-neighbour sampling (outside → `fill`, background). */
export function warpLabel(label: Uint8Array, rows: number, cols: number, affine: Affine, fill = 0): Uint8Array {
  const out = new Uint8Array(rows * cols);
  forEachSource(rows, cols, affine, (k, r, c) => {
    const rr = round(r);
    const cc = round(c);
    out[k] = rr >= 0 && rr < rows && cc >= 0 && cc < cols ? label[rr * cols + cc] : fill;
  });
  return out;
}

/** Random augmentation of an image/label pair; the image fill is the image minimum (air). */
export function augmentSlice<T extends Slice2D>(slice: T, rng: Rng, options: AugmentOptions = DEFAULT_AUGMENT): T {
  const affine = sampleAffine(rng, options);
  let min = Infinity;
  for (let k = 0; k < slice.image.length; k++) if (slice.image[k] < min) min = slice.image[k];
  return {
    ...slice,
    image: warpImage(slice.image, slice.rows, slice.cols, affine, Number.isFinite(min) ? min : 0),
    label: warpLabel(slice.label, slice.rows, slice.cols, affine),
  };
}

function pixel(image: Float32Array, rows: number, cols: number, r: number, c: number, fill: number): number {
  return r >= 0 && r < rows && c >= 0 && c < cols ? image[r * cols + c] : fill;
}

/** Calls fn(outputIndex, sourceRow, sourceCol) for every output pixel (pixel-centre geometry). */
function forEachSource(rows: number, cols: number, a: Affine, fn: (k: number, r: number, c: number) => void): void {
  const cr = (rows - 1) / 2;
  const cc = (cols - 1) / 2;
  const cos = Math.cos(a.rotationRad) / a.scale;
  const sin = Math.sin(a.rotationRad) / a.scale;
  for (let i = 0; i < rows; i++) {
    const u = i - cr - a.shiftRows;
    for (let j = 0; j < cols; j++) {
      const v = j - cc - a.shiftCols;
      // inverse of output = s R(θ) input: input = R(−θ) output / s
      fn(i * cols + j, cr + cos * u + sin * v, cc - sin * u + cos * v);
    }
  }
}
