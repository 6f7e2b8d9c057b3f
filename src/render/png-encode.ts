/**
 * PNG encoders for web front ends (run in the pool threads of ./png.ts, never on the API's event
 * loop): intensities windowed to grey, label maps in fixed class colours (transparent background,
 * for overlays), uncertainty maps through a perceptual colour ramp. PNG rows run along NIfTI y
 * (columns), so x is vertical: the layout of the stored arrays, shown as is.
 */
import { PNG } from 'pngjs';

/** Background transparent; RV, MYO, LV in the colours the dashboard's legend uses. */
export const CLASS_COLOURS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 0, 0],
  [66, 133, 244, 255],
  [52, 168, 83, 255],
  [234, 67, 53, 255],
];

/** Stops of a viridis-like ramp (dark blue → green → yellow). */
const RAMP: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function encode(rows: number, cols: number, fill: (pixel: number, rgba: Uint8Array, offset: number) => void): string {
  const png = new PNG({ width: cols, height: rows });
  const data = png.data as unknown as Uint8Array;
  for (let i = 0; i < rows * cols; i++) fill(i, data, i * 4);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Grey levels between the 1st and 99th percentile of the image. */
export function imagePng(image: Float32Array, rows: number, cols: number): string {
  const sorted = Float32Array.from(image).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const hi = sorted[Math.floor(0.99 * (sorted.length - 1))];
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  return encode(rows, cols, (i, d, o) => {
    const g = Math.max(0, Math.min(255, Math.round((image[i] - lo) * scale)));
    d[o] = d[o + 1] = d[o + 2] = g;
    d[o + 3] = 255;
  });
}

export function labelPng(labels: Uint8Array, rows: number, cols: number): string {
  return encode(rows, cols, (i, d, o) => {
    const c = CLASS_COLOURS[labels[i]] ?? CLASS_COLOURS[0];
    d[o] = c[0];
    d[o + 1] = c[1];
    d[o + 2] = c[2];
    d[o + 3] = c[3];
  });
}

/** Values in [0, max] through the ramp; alpha grows with the value so low uncertainty stays clear. */
export function heatPng(values: Float32Array, rows: number, cols: number, max: number): string {
  return encode(rows, cols, (i, d, o) => {
    const t = Math.max(0, Math.min(1, values[i] / max)) * (RAMP.length - 1);
    const k = Math.min(RAMP.length - 2, Math.floor(t));
    const f = t - k;
    for (let ch = 0; ch < 3; ch++) d[o + ch] = Math.round(RAMP[k][ch] + f * (RAMP[k + 1][ch] - RAMP[k][ch]));
    d[o + 3] = Math.round(255 * Math.min(1, (values[i] / max) * 2));
  });
}
