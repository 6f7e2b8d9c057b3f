/**
 * Stretch/deform distortion (docs/design.md "Distortions"): a smooth displacement field centred on the
 * heart, applied to image (bilinear) and ground truth (nearest neighbour) alike.
 *
 * With c the heart centre (centroid of the foreground label, else the image centre), u a seeded unit
 * direction and w(p) = exp(−|p − c|² / 2ρ²) (ρ = 40 mm), the source of output pixel p is
 *   p − m · w(p) · ((p − c)·u) u  −  (m · 10 mm) · w(p) · sin(2π (p − c)·v / 60 mm) v
 * (v ⟂ u): a local stretch by ≈ (1 + m) along u plus a gentle shear-like ripple. The magnitude m of
 * levels 1..4 is 0.1, 0.2, 0.3, 0.4.
 */
import type { Rng } from '../../random';

export const STRETCH_MAGNITUDES = [0.1, 0.2, 0.3, 0.4] as const;
const RADIUS_MM = 40;
const RIPPLE_MM = 10;
const RIPPLE_PERIOD_MM = 60;

const { floor, round, exp, sin, cos } = Math;

export interface StretchResult {
  image: Float32Array;
  label: Uint8Array;
}

export function stretch(
  image: Float32Array,
  label: Uint8Array,
  rows: number,
  cols: number,
  spacingMm: readonly [number, number],
  magnitude: number,
  rng: Rng,
): StretchResult {
  const [sr, sc] = spacingMm;
  // heart centre in mm (row, col axes)
  let cr = 0;
  let cc = 0;
  let n = 0;
  for (let k = 0; k < label.length; k++) {
    if (label[k] !== 0) {
      cr += floor(k / cols);
      cc += k % cols;
      n++;
    }
  }
  const centreR = (n > 0 ? cr / n : (rows - 1) / 2) * sr;
  const centreC = (n > 0 ? cc / n : (cols - 1) / 2) * sc;
  const theta = rng.range(0, Math.PI);
  const phase = rng.range(0, 2 * Math.PI);
  const ur = cos(theta);
  const uc = sin(theta);
  const vr = -uc;
  const vc = ur;
  const twoRho2 = 2 * RADIUS_MM * RADIUS_MM;
  const ripple = magnitude * RIPPLE_MM;

  const outImage = new Float32Array(rows * cols);
  const outLabel = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const dr = i * sr - centreR;
      const dc = j * sc - centreC;
      const w = exp(-(dr * dr + dc * dc) / twoRho2);
      const along = (dr * ur + dc * uc) * magnitude * w;
      const across = ripple * w * sin((2 * Math.PI * (dr * vr + dc * vc)) / RIPPLE_PERIOD_MM + phase);
      // source position in px
      const r = i - (along * ur + across * vr) / sr;
      const c = j - (along * uc + across * vc) / sc;
      const k = i * cols + j;
      const rr = round(r);
      const rc = round(c);
      outLabel[k] = rr >= 0 && rr < rows && rc >= 0 && rc < cols ? label[rr * cols + rc] : 0;
      outImage[k] = bilinear(image, rows, cols, r, c);
    }
  }
  return { image: outImage, label: outLabel };
}

/** Bilinear sample with edge replication. */
function bilinear(image: Float32Array, rows: number, cols: number, r: number, c: number): number {
  const rc = r < 0 ? 0 : r > rows - 1 ? rows - 1 : r;
  const cc = c < 0 ? 0 : c > cols - 1 ? cols - 1 : c;
  const r0 = floor(rc);
  const c0 = floor(cc);
  const r1 = r0 + 1 < rows ? r0 + 1 : r0;
  const c1 = c0 + 1 < cols ? c0 + 1 : c0;
  const fr = rc - r0;
  const fc = cc - c0;
  return (
    (1 - fr) * ((1 - fc) * image[r0 * cols + c0] + fc * image[r0 * cols + c1]) +
    fr * ((1 - fc) * image[r1 * cols + c0] + fc * image[r1 * cols + c1])
  );
}
