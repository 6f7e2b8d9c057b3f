/**
 * Rasterises one slice of the phantom (docs/design.md "Phantom"):
 * 1. tissue at every pixel centre; pixels whose 3×3 neighbourhood holds more than one tissue are
 *    re-rendered at 4× resolution (16 sub-samples averaged: partial volume). Uniform pixels need no
 *    sub-samples, so the result equals full 4× supersampling except for structures thinner than a
 *    pixel lying entirely between centres, at a fraction of the cost;
 * 2. × smooth coil bias field spanning [1 − s, 1 + s] (2nd-order polynomial, rescaled);
 * 3. × dark off-resonance bands near the heart–lung border (site B, 3 T);
 * 4. slight Gaussian blur (σ 0.5–0.8 px);
 * 5. Rician noise, σ = 1–3 % of blood intensity: √((S + σn₁)² + (σn₂)²).
 * The label is taken at pixel centres from the jittered (observer) contours.
 */
import type { Rng } from '../../random';
import { gaussianBlur } from '../distortions/gaussian-blur';
import type { Phase } from '../types';
import { SliceScene, TISSUE_COUNT, Tissue, slicePosition } from './geometry';
import type { SubjectParams } from './params';
// Math functions bound once: global lookups are slow inside jest's vm sandbox (≈1 µs each).
const { cos, exp, floor, log, sin, sqrt } = Math;

const SUPERSAMPLE = 4;

export interface RenderedSlice {
  image: Float32Array;
  label: Uint8Array;
}

function tissueValues(p: SubjectParams, position: number): Float32Array {
  const t = p.intensities;
  const v = new Float32Array(TISSUE_COUNT);
  v[Tissue.AIR] = t.air;
  v[Tissue.SUBCUT_FAT] = t.fat;
  v[Tissue.EPI_FAT] = t.fat;
  v[Tissue.CHEST_MUSCLE] = t.muscle;
  v[Tissue.SOFT] = t.muscle;
  v[Tissue.SPINE] = (t.muscle + t.liver) / 2;
  v[Tissue.LUNG] = t.lung;
  v[Tissue.LIVER] = t.liver;
  v[Tissue.AORTA] = t.blood;
  v[Tissue.LV_BLOOD] = t.blood;
  v[Tissue.RV_BLOOD] = t.blood;
  v[Tissue.LVOT_BLOOD] = t.blood;
  v[Tissue.MYO] = t.myocardium;
  v[Tissue.PAPILLARY] = t.myocardium;
  v[Tissue.RV_WALL] = t.myocardium;
  // Through-plane partial volume at the apex: the 8 mm slice cuts the apical cap, mixing the small
  // cavity with myocardium.
  if (position >= 1) v[Tissue.LV_BLOOD] = t.blood + (t.myocardium - t.blood) * 0.45;
  return v;
}

export function renderSlice(p: SubjectParams, phase: Phase, sliceIndex: number, rng: Rng): RenderedSlice {
  const { rows, cols } = p;
  const [sr, sc] = p.spacingMm;
  const position = slicePosition(sliceIndex, p.sliceCount);
  const scene = new SliceScene(p, phase, sliceIndex, rng.child('jitter'));
  const values = tissueValues(p, position);
  const n = rows * cols;

  const xs = new Float64Array(cols);
  const ys = new Float64Array(rows);
  for (let j = 0; j < cols; j++) xs[j] = (j + 0.5 - cols / 2) * sc;
  for (let i = 0; i < rows; i++) ys[i] = (i + 0.5 - rows / 2) * sr;

  const tissue = new Uint8Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      tissue[i * cols + j] = scene.tissueAt(xs[j], ys[i], false);
      label[i * cols + j] = scene.labelAt(xs[j], ys[i]);
    }
  }
  // A pixel is mixed when a 4-neighbour holds another tissue.
  const mixed = new Uint8Array(n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (j + 1 < cols && tissue[k] !== tissue[k + 1]) mixed[k] = mixed[k + 1] = 1;
      if (i + 1 < rows && tissue[k] !== tissue[k + cols]) mixed[k] = mixed[k + cols] = 1;
    }
  }

  const image = new Float32Array(n);
  const sub = new Float64Array(SUPERSAMPLE);
  for (let k = 0; k < SUPERSAMPLE; k++) sub[k] = (k + 0.5) / SUPERSAMPLE - 0.5;
  const inv = 1 / (SUPERSAMPLE * SUPERSAMPLE);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (mixed[k] === 0) {
        image[k] = values[tissue[k]];
        continue;
      }
      let acc = 0;
      for (let a = 0; a < SUPERSAMPLE; a++) {
        const y = ys[i] + sub[a] * sr;
        for (let b = 0; b < SUPERSAMPLE; b++) acc += values[scene.tissueAt(xs[j] + sub[b] * sc, y, false)];
      }
      image[k] = acc * inv;
    }
  }

  applyBias(image, rows, cols, p);
  if (p.bands) applyBands(image, xs, ys, p, scene);
  const blurred = gaussianBlur(image, rows, cols, p.blurSigmaPx);
  addRicianNoise(blurred, p.noiseFraction * p.intensities.blood, rng.child('noise'));
  return { image: blurred, label };
}

function applyBias(image: Float32Array, rows: number, cols: number, p: SubjectParams): void {
  const [c0, c1, c2, c3, c4] = p.biasCoefficients;
  const raw = new Float32Array(rows * cols);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < rows; i++) {
    const Y = (2 * (i + 0.5)) / rows - 1;
    for (let j = 0; j < cols; j++) {
      const X = (2 * (j + 0.5)) / cols - 1;
      const v = c0 * X + c1 * Y + c2 * X * Y + c3 * X * X + c4 * Y * Y;
      raw[i * cols + j] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const span = hi - lo || 1;
  const s = p.biasHalfRange;
  for (let k = 0; k < image.length; k++) image[k] *= 1 + s * ((2 * (raw[k] - lo)) / span - 1);
}

function applyBands(
  image: Float32Array,
  xs: Float64Array,
  ys: Float64Array,
  p: SubjectParams,
  scene: SliceScene,
): void {
  const b = p.bands!;
  const ca = cos(b.angleRad);
  const sa = sin(b.angleRad);
  // centred on the lateral heart–lung border
  const reach = scene.endoRadiusMm + p.wallEdMm.lateral + 10;
  const rot = p.rotationRad;
  const fx = scene.cx + reach * cos(rot);
  const fy = scene.cy + reach * sin(rot);
  const sigma2 = 2 * 35 * 35;
  const cols = xs.length;
  for (let i = 0; i < ys.length; i++) {
    for (let j = 0; j < cols; j++) {
      const dx = xs[j] - fx;
      const dy = ys[i] - fy;
      const w = exp(-(dx * dx + dy * dy) / sigma2);
      if (w < 1e-3) continue;
      const phase = (dx * ca + dy * sa + (b.curvature * (dx * dx + dy * dy)) / 100) / b.periodMm;
      const f = phase - floor(phase) - 0.5;
      const band = exp((-0.5 * f * f) / (b.widthFraction * b.widthFraction));
      image[i * cols + j] *= 1 - b.depth * band * w;
    }
  }
}

/**
 * Rician noise in place: |S + σ(n₁ + i n₂)|, n₁, n₂ ~ N(0, 1) independent, drawn as one Box–Muller
 * pair per pixel.
 */
export function addRicianNoise(image: Float32Array, sigma: number, rng: Rng): void {
  const twoPi = 2 * Math.PI;
  for (let k = 0; k < image.length; k++) {
    const radius = sigma * sqrt(-2 * log(1 - rng.uniform()));
    const angle = twoPi * rng.uniform();
    const re = image[k] + radius * cos(angle);
    const im = radius * sin(angle);
    image[k] = sqrt(re * re + im * im);
  }
}
