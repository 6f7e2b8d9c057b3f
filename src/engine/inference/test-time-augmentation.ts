/**
 * Test-time augmentation (TTA, docs/design.md "Definitions" → "Test-time augmentation"): T
 * probability samples of one slice, sample t being the model's output on a randomly transformed
 * copy of the image with the spatial part of the transform undone on the output. The samples have
 * the shape every method returns ([T, H, W, C], engine/inference/sampling.ts), so every
 * uncertainty measure reads them unchanged.
 *
 * The family (each part drawn independently for t ≥ 1; sample 0 is always the untransformed image,
 * so a deterministic model's TTA keeps its plain prediction as one sample):
 * - flip: none, rows or columns (each 1/3);
 * - quarter turns k ∈ {0, 1, 2, 3} on square slices, k ∈ {0, 2} otherwise (a 90° turn would
 *   change the slice's shape);
 * - small affine with probability 1/2: rotation θ ~ U(−10°, 10°), isotropic scale s ~ U(0.9, 1.1)
 *   about the slice centre, bilinear, edges clamped;
 * - intensity with probability 1/2 each: gamma γ = exp(U(−ln 1.25, ln 1.25)) on the slice's
 *   min–max range, then additive Gaussian noise of sd 0.03 × that range.
 * The forward order is intensity → flip → quarter turns → affine; the output is brought back by the
 * inverse affine (bilinear, each pixel renormalised to sum 1), −k quarter turns, then the flip.
 * Flips and quarter turns are permutations of pixels, so they invert exactly; the affine inverse
 * is exact for fields linear in the pixel coordinates away from the edges and otherwise smooths a
 * little (bilinear twice).
 *
 * Coherent draws: the transform of sample t is drawn from a stream keyed by (seed, t) alone, and
 * the model's posterior draw of sample t is draw t (MC Dropout masks t, BBB weights t, ensemble
 * member t), so sample t is one (model draw, transform) pair for every slice of a subject.
 */
import { InvalidInputError } from '../errors';
import { createRng, type Rng } from '../random';
import type { ProbabilitySamples, SliceImage } from './sampling';

// Math functions bound once: global lookups are slow inside jest's vm sandbox (engine/random.ts).
const { floor, max, min } = Math;

/** Which parts of the family are drawn (all by default; tests switch parts off). */
export interface TtaFamily {
  flips: boolean;
  rotations: boolean;
  affine: boolean;
  intensity: boolean;
}

export const FULL_TTA_FAMILY: Readonly<TtaFamily> = Object.freeze({
  flips: true,
  rotations: true,
  affine: true,
  intensity: true,
});

export const TTA_AFFINE_MAX_DEGREES = 10;
export const TTA_SCALE_RANGE: readonly [number, number] = [0.9, 1.1];
export const TTA_GAMMA_MAX = 1.25;
export const TTA_NOISE_FRACTION = 0.03;

export type Flip = 'none' | 'rows' | 'cols';

export interface TtaTransform {
  flip: Flip;
  /** Counter-clockwise quarter turns. */
  quarterTurns: 0 | 1 | 2 | 3;
  /** Rotation (radians) and scale about the centre; null: none. */
  affine: { angle: number; scale: number } | null;
  /** 1: no gamma. */
  gamma: number;
  /** Additive noise sd as a fraction of the slice's intensity range; 0: none. */
  noise: number;
}

export const IDENTITY_TRANSFORM: Readonly<TtaTransform> = Object.freeze({
  flip: 'none',
  quarterTurns: 0,
  affine: null,
  gamma: 1,
  noise: 0,
});

/** The transform of sample t (t = 0: the identity) for slices of rows × cols. */
export function drawTransform(
  seed: number,
  t: number,
  rows: number,
  cols: number,
  family: TtaFamily = FULL_TTA_FAMILY,
): TtaTransform {
  if (t === 0) return { ...IDENTITY_TRANSFORM };
  const rng = createRng(seed, 'tta', t);
  const flip: Flip = family.flips ? rng.pick(['none', 'rows', 'cols'] as const) : 'none';
  const turns = rows === cols ? ([0, 1, 2, 3] as const) : ([0, 2] as const);
  const quarterTurns = family.rotations ? rng.pick(turns) : 0;
  const affine =
    family.affine && rng.bernoulli(0.5)
      ? {
          angle: (rng.range(-TTA_AFFINE_MAX_DEGREES, TTA_AFFINE_MAX_DEGREES) * Math.PI) / 180,
          scale: rng.range(TTA_SCALE_RANGE[0], TTA_SCALE_RANGE[1]),
        }
      : null;
  const gamma =
    family.intensity && rng.bernoulli(0.5) ? Math.exp(rng.range(-Math.log(TTA_GAMMA_MAX), Math.log(TTA_GAMMA_MAX))) : 1;
  const noise = family.intensity && rng.bernoulli(0.5) ? TTA_NOISE_FRACTION : 0;
  return { flip, quarterTurns, affine, gamma, noise };
}

// ---- spatial permutations on [H, W, C] arrays -----------------------------------------------

/** A copy of `src` [rows, cols, C] flipped along rows (top ↔ bottom) or columns. */
export function flipArray(src: Float32Array, rows: number, cols: number, C: number, flip: Flip): Float32Array {
  if (flip === 'none') return src.slice();
  const out = new Float32Array(src.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const si = flip === 'rows' ? rows - 1 - i : i;
      const sj = flip === 'cols' ? cols - 1 - j : j;
      out.set(src.subarray((si * cols + sj) * C, (si * cols + sj + 1) * C), (i * cols + j) * C);
    }
  return out;
}

/**
 * `src` [rows, cols, C] turned k quarter turns counter-clockwise; the result is [cols, rows, C]
 * for odd k: out[i][j] = src[j][cols − 1 − i] per turn.
 */
export function rotateArray(src: Float32Array, rows: number, cols: number, C: number, k: number): Float32Array {
  let cur: Float32Array = src.slice();
  let [r, c] = [rows, cols];
  for (let turn = 0; turn < ((k % 4) + 4) % 4; turn++) {
    const out = new Float32Array(cur.length);
    // The turned array has c rows and r columns.
    for (let i = 0; i < c; i++)
      for (let j = 0; j < r; j++) {
        const s = (j * c + (c - 1 - i)) * C;
        out.set(cur.subarray(s, s + C), (i * r + j) * C);
      }
    cur = out;
    [r, c] = [c, r];
  }
  return cur;
}

// ---- affine ---------------------------------------------------------------------------------

/**
 * out(q) = src(M (q − centre) + centre), bilinear with clamped edges, where M is the rotation by
 * `angle` scaled by 1/`scale` when `inverse` is false (the image seen rotated by angle and zoomed
 * by scale), and its inverse (rotation by −angle, scale) when true.
 */
export function warpArray(
  src: Float32Array,
  rows: number,
  cols: number,
  C: number,
  affine: { angle: number; scale: number },
  inverse: boolean,
): Float32Array {
  const a = inverse ? -affine.angle : affine.angle;
  const f = inverse ? affine.scale : 1 / affine.scale;
  const [cos, sin] = [Math.cos(a) * f, Math.sin(a) * f];
  const [ci, cj] = [(rows - 1) / 2, (cols - 1) / 2];
  const out = new Float32Array(src.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const [di, dj] = [i - ci, j - cj];
      const si = min(rows - 1, max(0, cos * di - sin * dj + ci));
      const sj = min(cols - 1, max(0, sin * di + cos * dj + cj));
      const [i0, j0] = [floor(si), floor(sj)];
      const [i1, j1] = [min(rows - 1, i0 + 1), min(cols - 1, j0 + 1)];
      const [u, v] = [si - i0, sj - j0];
      const o = (i * cols + j) * C;
      for (let c = 0; c < C; c++) {
        out[o + c] =
          (1 - u) * ((1 - v) * src[(i0 * cols + j0) * C + c] + v * src[(i0 * cols + j1) * C + c]) +
          u * ((1 - v) * src[(i1 * cols + j0) * C + c] + v * src[(i1 * cols + j1) * C + c]);
      }
    }
  return out;
}

// ---- transform and inverse ------------------------------------------------------------------

function checkShape(rows: number, cols: number, tr: TtaTransform) {
  if (rows !== cols && tr.quarterTurns % 2 === 1)
    throw new InvalidInputError('BAD_ARGUMENT', `a quarter turn of a ${rows}×${cols} slice changes its shape`);
}

/** The image [rows, cols] seen under the transform: intensity, flip, quarter turns, affine. */
export function transformImage(
  image: Float32Array,
  rows: number,
  cols: number,
  tr: TtaTransform,
  rng: Rng | null,
): Float32Array {
  checkShape(rows, cols, tr);
  let x: Float32Array = image.slice();
  if (tr.gamma !== 1 || tr.noise > 0) {
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of x) [lo, hi] = [min(lo, v), max(hi, v)];
    const range = hi - lo;
    if (range > 0) {
      if (tr.gamma !== 1) for (let k = 0; k < x.length; k++) x[k] = lo + range * ((x[k] - lo) / range) ** tr.gamma;
      if (tr.noise > 0) {
        if (!rng) throw new Error('additive noise needs a random stream');
        for (let k = 0; k < x.length; k++) x[k] += rng.normal(0, tr.noise * range);
      }
    }
  }
  x = flipArray(x, rows, cols, 1, tr.flip);
  x = rotateArray(x, rows, cols, 1, tr.quarterTurns);
  return tr.affine ? warpArray(x, rows, cols, 1, tr.affine, false) : x;
}

/**
 * Probabilities [rows, cols, C] computed on the transformed image, brought back to the original
 * grid: inverse affine (each pixel renormalised to sum 1), −k quarter turns, the flip.
 */
export function invertProbabilities(
  probs: Float32Array,
  rows: number,
  cols: number,
  C: number,
  tr: TtaTransform,
): Float32Array {
  checkShape(rows, cols, tr);
  let p: Float32Array = probs;
  if (tr.affine) {
    p = warpArray(p, rows, cols, C, tr.affine, true);
    for (let o = 0; o < p.length; o += C) {
      let sum = 0;
      for (let c = 0; c < C; c++) sum += p[o + c];
      if (sum > 0) for (let c = 0; c < C; c++) p[o + c] /= sum;
    }
  }
  p = rotateArray(p, rows, cols, C, 4 - tr.quarterTurns);
  return flipArray(p, rows, cols, C, tr.flip);
}

/**
 * The model's probabilities [rows, cols, C] of images[t] under its posterior draw t, for each t
 * (a deterministic model ignores t; engine/inference/sampling.ts `sampleDraws`).
 */
export type DrawPredictor = (images: SliceImage[]) => Float32Array[];

export interface TtaOptions {
  seed?: number;
  family?: TtaFamily;
  classes: number;
}

/** T TTA samples [T, rows, cols, C] of one slice: sample t = inverse_t(model draw t(transform_t(image))). */
export function testTimeAugmentation(
  predict: DrawPredictor,
  slice: SliceImage,
  T: number,
  opts: TtaOptions,
): ProbabilitySamples {
  if (!Number.isInteger(T) || T < 1) throw new InvalidInputError('BAD_ARGUMENT', `TTA needs T ≥ 1 samples, got ${T}`);
  const seed = opts.seed ?? 0;
  const { rows, cols, image } = slice;
  const C = opts.classes;
  const transforms = Array.from({ length: T }, (_, t) => drawTransform(seed, t, rows, cols, opts.family));
  const images = transforms.map((tr, t) => ({
    image: transformImage(image, rows, cols, tr, tr.noise > 0 ? createRng(seed, 'tta-noise', t) : null),
    rows,
    cols,
  }));
  const outputs = predict(images);
  if (outputs.length !== T) throw new Error(`the predictor returned ${outputs.length} outputs for ${T} images`);
  const per = rows * cols * C;
  const data = new Float32Array(T * per);
  outputs.forEach((p, t) => {
    if (p.length !== per) throw new Error(`output ${t} has ${p.length} values, expected ${per}`);
    data.set(invertProbabilities(p, rows, cols, C, transforms[t]), t * per);
  });
  return { data, shape: [T, rows, cols, C] };
}
