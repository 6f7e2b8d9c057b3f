/**
 * Posterior samples of softmax probabilities per slice: the common sampler every method shares
 * (after torch-uncertainty: thin wrappers, one output shape). Each slice yields a
 * Float32Array shaped [T, H, W, C] (C-order, H = rows = NIfTI x, W = cols, C = 4) on the slice's
 * own grid (crop and downsampling undone, models/input-grid.ts), which the uncertainty
 * measures read.
 *
 * What T means per method:
 * - plain: deterministic, so one sample (T = 1) whatever is asked; its mutual information is 0.
 * - mcd: T forward passes, each with its own dropout masks, batched (the T copies of a slice form
 *   the batch, chunked by `batchSize`). With dropout on the middle layers only, the deterministic
 *   encoder prefix runs once per slice and only the rest is sampled (prefix caching).
 * - bbb: T weight samples w_t ~ q(w); one forward pass per t, batched over slices (all slices
 *   share w_t, samples of one slice are independent draws).
 * - ensemble: one sample per member (T = M), the members' probabilities; their mean is the
 *   ensemble prediction.
 *
 * Coherent draws (docs/design.md "Definitions" → "Clinical biomarkers"): for a given `seed`,
 * sample t uses the same weights for every slice it is asked about, in any call, chunk or batch
 * position, so sample t of all slices of both phases of a subject is one posterior draw and
 * subject-level quantities (volumes, EF) get posterior intervals. How each method guarantees it:
 * - mcd: batch element t draws its masks from a stream keyed by (seed, t) alone
 *   (models/layers/noise-seed.ts `withSampleNoise`); the k-th dropout op of a pass takes the k-th
 *   seed of that stream. Every slice is mapped to the same input grid, so the masks have the same
 *   shape and are identical. Sample t does not depend on T, batchSize or prefix caching.
 * - bbb: the noise stream is restarted from (seed, t) before pass t, so the BBB layers draw the
 *   same ε (hence w_t) for every chunk of slices.
 * - ensemble: sample m is member m (T = M), for every slice.
 * Callers pass one seed per evaluation or inference (never per slice) to get coherent draws.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedCheckpoint, SingleCheckpoint } from '../checkpoint';
import { NUM_CLASSES } from '../data/types';
import { setNoiseSeed, withSampleNoise } from '../models/layers/noise-seed';
import { forwardUNet, prefixBoundary, prefixCache } from '../models/unet';
import { imageToInput, probabilitiesToSlice } from '../models/input-grid';

export const DEFAULT_SAMPLES = 50;

export interface SliceImage {
  image: Float32Array;
  rows: number;
  cols: number;
}

export interface ProbabilitySamples {
  data: Float32Array;
  shape: [number, number, number, number];
}

export interface SampleOptions {
  seed?: number;
  /** Largest batch in one forward pass (default 16). */
  batchSize?: number;
  /** Prefix caching for middle-layer MC Dropout (default true; false only to measure it). */
  prefixCache?: boolean;
}

/** Number of samples `sampleProbabilities` returns for T requested. */
export function samplesReturned(ckpt: LoadedCheckpoint, T: number): number {
  if (ckpt.kind === 'ensemble') return ckpt.members.length;
  return ckpt.meta.unet.variant === 'plain' ? 1 : T;
}

function inputTensor(member: SingleCheckpoint, slices: SliceImage[]): tf.Tensor4D {
  const s = member.meta.unet.inputSize;
  const buf = new Float32Array(slices.length * s * s);
  slices.forEach((sl, i) =>
    imageToInput(
      sl.image,
      sl.rows,
      sl.cols,
      member.meta.geometry,
      member.meta.intensity,
      buf.subarray(i * s * s, (i + 1) * s * s),
    ),
  );
  return tf.tensor4d(buf, [slices.length, s, s, 1]);
}

/** Deterministic-per-pass forward of a batch: probabilities [B, s, s, C] as a flat array. */
function forwardOnce(member: SingleCheckpoint, x: tf.Tensor4D): Float32Array {
  const p = tf.tidy(() => forwardUNet(member.model, member.meta.unet, x));
  const data = p.dataSync() as Float32Array;
  p.dispose();
  return data;
}

/** n copies of a batch-1 tensor along the batch axis (wasm's Tile is ~10× slower than Concat). */
function repeatBatch(t: tf.Tensor, n: number): tf.Tensor {
  return n === 1
    ? t.clone()
    : tf.concat(
        Array.from({ length: n }, () => t),
        0,
      );
}

/** MC Dropout samples of one slice: [T, s, s, C] on the input grid; sample t's masks from (seed, t). */
function mcdSamples(
  member: SingleCheckpoint,
  x1: tf.Tensor4D,
  T: number,
  seed: number,
  batch: number,
  cache: boolean,
): Float32Array {
  const cfg = member.meta.unet;
  const s = cfg.inputSize;
  const per = s * s * NUM_CLASSES;
  const out = new Float32Array(T * per);
  const useCache = cache && prefixBoundary(cfg).length > 0;
  const prefix: Record<string, tf.Tensor> | null = useCache
    ? tf.tidy(() => Object.fromEntries(prefixCache(member.model, cfg, x1)))
    : null;
  try {
    for (let t0 = 0; t0 < T; t0 += batch) {
      const n = Math.min(batch, T - t0);
      const samples = Array.from({ length: n }, (_, b) => t0 + b);
      const p = withSampleNoise([seed, 'mcd'], samples, () =>
        tf.tidy(() => {
          if (prefix == null) return forwardUNet(member.model, cfg, repeatBatch(x1, n) as tf.Tensor4D);
          const cached = new Map<string, tf.Tensor>();
          // Skip terms broadcast over the samples; the bottleneck input is repeated so that each
          // sample draws its own dropout masks.
          for (const [name, t] of Object.entries(prefix))
            cached.set(name, name.endsWith('_skipterm') ? t : repeatBatch(t, n));
          // The input only feeds the cached prefix, so it is not repeated.
          return forwardUNet(member.model, cfg, x1, { cached });
        }),
      );
      out.set(p.dataSync() as Float32Array, t0 * per);
      p.dispose();
    }
  } finally {
    if (prefix != null) tf.dispose(Object.values(prefix));
  }
  return out;
}

/**
 * Posterior samples for several slices (batched); element i is [T_i, rows_i, cols_i, C] with
 * T_i = samplesReturned(ckpt, T).
 */
export function sampleSlices(
  ckpt: LoadedCheckpoint,
  slices: SliceImage[],
  T = DEFAULT_SAMPLES,
  opts: SampleOptions = {},
): ProbabilitySamples[] {
  if (!Number.isInteger(T) || T < 1) throw new Error(`number of samples must be a positive integer, got ${T}`);
  const seed = opts.seed ?? 0;
  const batch = opts.batchSize ?? 16;
  const members = ckpt.kind === 'ensemble' ? ckpt.members : [ckpt];
  const first = members[0];
  const s = first.meta.unet.inputSize;
  const per = s * s * NUM_CLASSES;
  const Tout = samplesReturned(ckpt, T);
  // Per slice, samples on the input grid [Tout, s, s, C].
  const grids: Float32Array[] = slices.map(() => new Float32Array(Tout * per));
  for (let i0 = 0; i0 < slices.length; i0 += batch) {
    const chunk = slices.slice(i0, i0 + batch);
    if (ckpt.kind === 'ensemble' || first.meta.unet.variant === 'plain') {
      members.forEach((m, k) => {
        const x = inputTensor(m, chunk);
        const probs = forwardOnce(m, x);
        x.dispose();
        chunk.forEach((_, j) => grids[i0 + j].set(probs.subarray(j * per, (j + 1) * per), k * per));
      });
    } else if (first.meta.unet.variant === 'bbb') {
      const x = inputTensor(first, chunk);
      for (let t = 0; t < T; t++) {
        setNoiseSeed(seed, 'bbb', t);
        const probs = forwardOnce(first, x);
        chunk.forEach((_, j) => grids[i0 + j].set(probs.subarray(j * per, (j + 1) * per), t * per));
      }
      x.dispose();
    } else {
      chunk.forEach((sl, j) => {
        const x1 = inputTensor(first, [sl]);
        grids[i0 + j] = mcdSamples(first, x1, T, seed, batch, opts.prefixCache ?? true);
        x1.dispose();
      });
    }
  }
  return slices.map((sl, i) => ({
    data: probabilitiesToSlice(grids[i], Tout, sl.rows, sl.cols, first.meta.geometry),
    shape: [Tout, sl.rows, sl.cols, NUM_CLASSES],
  }));
}

/**
 * Draw-wise predictions for test-time augmentation (test-time-augmentation.ts): element t is the
 * probabilities [rows, cols, C] of images[t] under posterior draw t, coherent with
 * `sampleSlices` (mcd: masks from (seed, t); bbb: weights from (seed, t); ensemble: member t, so at
 * most M images; plain: the one deterministic model). All images share one shape.
 */
export function sampleDraws(ckpt: LoadedCheckpoint, images: SliceImage[], opts: SampleOptions = {}): Float32Array[] {
  const seed = opts.seed ?? 0;
  const batch = opts.batchSize ?? 16;
  const members = ckpt.kind === 'ensemble' ? ckpt.members : [ckpt];
  const first = members[0];
  if (ckpt.kind === 'ensemble' && images.length > members.length)
    throw new Error(`an ensemble of ${members.length} members has no draw ${images.length - 1}`);
  const s = first.meta.unet.inputSize;
  const per = s * s * NUM_CLASSES;
  const grids: Float32Array[] = [];
  for (let t0 = 0; t0 < images.length; t0 += batch) {
    const chunk = images.slice(t0, t0 + batch);
    const draws = chunk.map((_, b) => t0 + b);
    if (ckpt.kind === 'ensemble') {
      chunk.forEach((im, b) => {
        const x = inputTensor(members[t0 + b], [im]);
        grids.push(forwardOnce(members[t0 + b], x));
        x.dispose();
      });
    } else if (first.meta.unet.variant === 'bbb') {
      chunk.forEach((im, b) => {
        setNoiseSeed(seed, 'bbb', t0 + b);
        const x = inputTensor(first, [im]);
        grids.push(forwardOnce(first, x));
        x.dispose();
      });
    } else {
      const x = inputTensor(first, chunk);
      // Plain models have no stochastic op, so the per-sample streams are never read.
      const probs = withSampleNoise([seed, 'mcd'], draws, () => forwardOnce(first, x));
      x.dispose();
      chunk.forEach((_, b) => grids.push(probs.slice(b * per, (b + 1) * per)));
    }
  }
  return images.map((im, t) => probabilitiesToSlice(grids[t], 1, im.rows, im.cols, first.meta.geometry));
}

/** Posterior samples [T, H, W, C] of one slice on its own grid. */
export function sampleProbabilities(
  ckpt: LoadedCheckpoint,
  slice: SliceImage,
  T = DEFAULT_SAMPLES,
  opts: SampleOptions = {},
): ProbabilitySamples {
  return sampleSlices(ckpt, [slice], T, opts)[0];
}
