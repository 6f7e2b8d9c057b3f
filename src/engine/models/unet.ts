/**
 * U-Net builder (paper "Training Details"): per level two 3×3 convolutions (ReLU, 'same'),
 * filters base·2^i from the top level i = 0 to the bottleneck i = depth−1 (paper: 32 → 512,
 * depth 5), 2×2 max-pooling down; up the decoder, nearest 2× upsampling concatenated with the
 * encoder's skip features and two 3×3 convolutions; then two 1×1 convolutions (hidden ReLU,
 * then 4 logits) and a softmax over the classes 0 bg, 1 RV, 2 MYO, 3 LV.
 *
 * Variants (thin changes to the same wiring, docs/design.md "Models"):
 * - plain: tf Conv2D layers.
 * - mcd: an AlwaysOnDropout after each 3×3 convolution (`all`), or only in the middle of the U
 *   (`middle`: the bottleneck's two convolutions and the deepest decoder level's two). With
 *   `middle`, every encoder level above the bottleneck is deterministic: sampling runs it once
 *   and samples only the rest (prefix caching, inference/sampling.ts).
 * - bbb: every convolution (3×3 and 1×1) is a BayesConv2D.
 *
 * The wiring is one function (`wireUNet`) used twice: symbolically to build the tf.LayersModel
 * (saved and loaded with its registered custom layers), and eagerly by `forwardUNet` on concrete
 * tensors, which lets training read logits and lets sampling skip cached layers.
 * Layer names are stable (`enc{i}_conv{j}`, `enc{i}_drop{j}`, `enc{i}_pool`, `dec{i}_up`,
 * `dec{i}_concat`, `dec{i}_conv{j}`, `dec{i}_drop{j}`, `head_conv0`, `head_logits`, `softmax`).
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from '../data/types';
import { AlwaysOnDropout } from './layers/always-on-dropout';
import { BayesConv2D } from './layers/bayes-conv2d';
import type { UNetConfig } from './config';

type Layer = tf.layers.Layer;

/** How the wiring applies a named layer: symbolic (build) or eager (forward). */
interface Applier<T> {
  apply(name: string, make: () => Layer, input: T | T[]): T;
}

export function validateUNetConfig(cfg: UNetConfig): void {
  if (!Number.isInteger(cfg.depth) || cfg.depth < 1)
    throw new Error(`depth must be a positive integer, got ${cfg.depth}`);
  if (!Number.isInteger(cfg.baseFilters) || cfg.baseFilters < 1) throw new Error(`baseFilters must be ≥ 1`);
  const div = 2 ** (cfg.depth - 1);
  if (cfg.inputSize % div !== 0)
    throw new Error(`inputSize ${cfg.inputSize} must be divisible by 2^(depth−1) = ${div}`);
  if (cfg.variant === 'mcd') {
    // Refuse an MC-dropout model without dropout (MONAI #5207): sampling it would fake certainty.
    if (cfg.dropout == null || !(cfg.dropout.rate > 0 && cfg.dropout.rate < 1)) {
      throw new Error('an MC-dropout model needs a dropout rate in (0, 1)');
    }
  }
  if (cfg.variant === 'bbb' && cfg.bayes == null) throw new Error('a Bayes-by-Backprop model needs prior settings');
}

/** Level index from which MC-dropout layers sit in the encoder (depth when there are none). */
export function firstStochasticLevel(cfg: UNetConfig): number {
  if (cfg.variant === 'bbb') return 0;
  if (cfg.variant === 'mcd' && cfg.dropout) return cfg.dropout.layers === 'all' ? 0 : cfg.depth - 1;
  return cfg.depth;
}

function hasDropout(cfg: UNetConfig, side: 'enc' | 'dec', level: number): boolean {
  if (cfg.variant !== 'mcd' || cfg.dropout == null) return false;
  if (cfg.dropout.layers === 'all') return true;
  return side === 'enc' ? level === cfg.depth - 1 : level === cfg.depth - 2;
}

function wireUNet<T>(cfg: UNetConfig, x: T, a: Applier<T>): { logits: T; probs: T } {
  let seedCounter = 0;
  const nextSeed = (): number => cfg.seed * 1000 + seedCounter++;
  const conv = (name: string, filters: number, k: number, activation: 'relu' | 'linear', input: T): T =>
    a.apply(
      name,
      () => {
        const seed = nextSeed();
        if (cfg.variant === 'bbb') {
          const b = cfg.bayes!;
          return new BayesConv2D({
            name,
            filters,
            kernelSize: k,
            activation,
            priorSigma: b.priorSigma,
            initRho: b.initRho,
            seed,
          });
        }
        return tf.layers.conv2d({
          name,
          filters,
          kernelSize: k,
          padding: 'same',
          activation,
          kernelInitializer: tf.initializers.heNormal({ seed }),
        });
      },
      input,
    );
  const drop = (name: string, input: T): T =>
    a.apply(name, () => new AlwaysOnDropout({ name, rate: cfg.dropout!.rate }), input);
  const block = (side: 'enc' | 'dec', level: number, input: T): T => {
    const filters = cfg.baseFilters * 2 ** level;
    let h = input;
    for (let j = 0; j < 2; j++) {
      h = conv(`${side}${level}_conv${j}`, filters, 3, 'relu', h);
      if (hasDropout(cfg, side, level)) h = drop(`${side}${level}_drop${j}`, h);
    }
    return h;
  };

  const skips: T[] = [];
  let h = x;
  for (let i = 0; i < cfg.depth; i++) {
    h = block('enc', i, h);
    if (i < cfg.depth - 1) {
      skips.push(h);
      h = a.apply(`enc${i}_pool`, () => tf.layers.maxPooling2d({ name: `enc${i}_pool`, poolSize: 2, strides: 2 }), h);
    }
  }
  for (let i = cfg.depth - 2; i >= 0; i--) {
    const up = a.apply(`dec${i}_up`, () => tf.layers.upSampling2d({ name: `dec${i}_up`, size: [2, 2] }), h);
    const cat = a.apply(`dec${i}_concat`, () => tf.layers.concatenate({ name: `dec${i}_concat`, axis: -1 }), [
      up,
      skips[i],
    ]);
    h = block('dec', i, cat);
  }
  h = conv('head_conv0', cfg.headFilters, 1, 'relu', h);
  const logits = conv('head_logits', NUM_CLASSES, 1, 'linear', h);
  const probs = a.apply('softmax', () => tf.layers.softmax({ name: 'softmax', axis: -1 }), logits);
  return { logits, probs };
}

/** Builds the U-Net as a tf.LayersModel: input [B, S, S, 1] → softmax probabilities [B, S, S, 4]. */
export function buildUNet(cfg: UNetConfig): tf.LayersModel {
  validateUNetConfig(cfg);
  const input = tf.input({ shape: [cfg.inputSize, cfg.inputSize, 1], name: 'image' });
  const applier: Applier<tf.SymbolicTensor> = {
    apply: (_name, make, inp) => make().apply(inp) as tf.SymbolicTensor,
  };
  const { probs } = wireUNet(cfg, input, applier);
  return tf.model({ inputs: input, outputs: probs, name: `unet_${cfg.variant}` });
}

export interface ForwardOptions {
  /** Return logits instead of softmax probabilities (training). */
  logits?: boolean;
  /**
   * Prefix caching: outputs of the boundary layers (see `prefixBoundary`) computed earlier; every
   * other encoder layer above the first stochastic level is then not run at all.
   */
  cached?: ReadonlyMap<string, tf.Tensor>;
  /** Records the output of every layer named here (to build a cache). */
  record?: Map<string, tf.Tensor | null>;
}

/**
 * Eager forward pass through a built U-Net's layers. Call inside tf.tidy; recorded tensors are
 * ordinary tensors of the enclosing scope.
 */
export function forwardUNet(
  model: tf.LayersModel,
  cfg: UNetConfig,
  x: tf.Tensor4D,
  opts: ForwardOptions = {},
): tf.Tensor4D {
  const prefixLevels = firstStochasticLevel(cfg);
  const pendingUp = new Map<number, tf.Tensor>();
  const first = (inp: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inp) ? inp[0] : inp);
  const applier: Applier<tf.Tensor> = {
    apply: (name, _make, inp) => {
      const cached = opts.cached;
      if (cached != null) {
        const hit = cached.get(name);
        if (hit != null) return hit;
        // A prefix layer whose output only feeds other prefix layers: never read, not run.
        if (isPrefixLayer(name, prefixLevels)) return first(inp);
        // Decoder level with a cached skip term: skip the concatenation, split the convolution.
        const cat = /^dec(\d+)_concat$/.exec(name);
        if (cat != null && cached.has(skipTermName(Number(cat[1])))) {
          pendingUp.set(Number(cat[1]), first(inp));
          return first(inp);
        }
        const conv0 = /^dec(\d+)_conv0$/.exec(name);
        if (conv0 != null && pendingUp.has(Number(conv0[1]))) {
          const level = Number(conv0[1]);
          const up = pendingUp.get(level)!;
          const kernel = model.getLayer(name).getWeights()[0];
          const upChannels = up.shape[3]!;
          const wUp = tf.slice(kernel, [0, 0, 0, 0], [-1, -1, upChannels, -1]) as tf.Tensor4D;
          // conv([up, skip]) + b = conv(up, W_up) + (conv(skip, W_skip) + b); the second term is
          // the cached skip term (batch 1), broadcast over the samples.
          return tf.relu(tf.add(tf.conv2d(up as tf.Tensor4D, wUp, 1, 'same'), cached.get(skipTermName(level))!));
        }
      }
      const out = model.getLayer(name).apply(inp) as tf.Tensor;
      if (opts.record?.has(name)) opts.record.set(name, out);
      return out;
    },
  };
  const { logits, probs } = wireUNet<tf.Tensor>(cfg, x, applier);
  return (opts.logits ? logits : probs) as tf.Tensor4D;
}

function skipTermName(level: number): string {
  return `dec${level}_skipterm`;
}

/**
 * Prefix caching for one slice (batch 1): the deterministic encoder prefix, plus for every decoder
 * level whose skip features are deterministic the skip half of its first convolution,
 * conv(skip, W_skip) + b (`dec{i}_skipterm`). Returns the tensors `forwardUNet({ cached })` needs
 * except the bottleneck input, which the caller repeats to the batch of samples (each sample needs
 * its own dropout masks). Plain (non-Bayesian) 3×3 ReLU convolutions only, i.e. MC Dropout.
 * Call inside tf.tidy and return the tensors.
 */
export function prefixCache(model: tf.LayersModel, cfg: UNetConfig, x: tf.Tensor4D): Map<string, tf.Tensor> {
  const out = runPrefix(model, cfg, x);
  const s = firstStochasticLevel(cfg);
  for (let i = 0; i < Math.min(s, cfg.depth - 1); i++) {
    const skip = out.get(`enc${i}_conv1`)!;
    const [kernel, bias] = model.getLayer(`dec${i}_conv0`).getWeights();
    const upChannels = kernel.shape[2]! - skip.shape[3]!;
    const wSkip = tf.slice(kernel, [0, 0, upChannels, 0], [-1, -1, -1, -1]) as tf.Tensor4D;
    out.set(skipTermName(i), tf.add(tf.conv2d(skip as tf.Tensor4D, wSkip, 1, 'same'), bias));
    out.delete(`enc${i}_conv1`);
  }
  return out;
}

const PREFIX_DONE = Symbol('prefix-done');

/**
 * Runs only the deterministic prefix (encoder levels above the first stochastic level) and returns
 * the outputs of the boundary layers (`prefixBoundary`), ready for `forwardUNet({ cached })`.
 * Call inside tf.tidy and return the tensors to keep them.
 */
export function runPrefix(model: tf.LayersModel, cfg: UNetConfig, x: tf.Tensor4D): Map<string, tf.Tensor> {
  const wanted = new Set(prefixBoundary(cfg));
  const out = new Map<string, tf.Tensor>();
  if (wanted.size === 0) return out;
  const applier: Applier<tf.Tensor> = {
    apply: (name, _make, inp) => {
      const y = model.getLayer(name).apply(inp) as tf.Tensor;
      if (wanted.has(name)) {
        out.set(name, y);
        if (out.size === wanted.size) throw PREFIX_DONE;
      }
      return y;
    },
  };
  try {
    wireUNet<tf.Tensor>(cfg, x, applier);
  } catch (e) {
    if (e !== PREFIX_DONE) throw e;
  }
  return out;
}

function isPrefixLayer(name: string, prefixLevels: number): boolean {
  const m = /^enc(\d+)_/.exec(name);
  return m != null && Number(m[1]) < prefixLevels;
}

/** Names of the layers whose outputs the stochastic suffix reads from the deterministic prefix. */
export function prefixBoundary(cfg: UNetConfig): string[] {
  const s = firstStochasticLevel(cfg);
  if (s === 0 || s >= cfg.depth) return [];
  const names: string[] = [];
  for (let i = 0; i < s; i++) names.push(`enc${i}_conv1`); // skip features
  names.push(`enc${s - 1}_pool`); // input of the first stochastic level
  return names;
}

export function bayesLayers(model: tf.LayersModel): BayesConv2D[] {
  return model.layers.filter((l): l is BayesConv2D => l instanceof BayesConv2D);
}

export function dropoutLayers(model: tf.LayersModel): AlwaysOnDropout[] {
  return model.layers.filter((l): l is AlwaysOnDropout => l instanceof AlwaysOnDropout);
}
