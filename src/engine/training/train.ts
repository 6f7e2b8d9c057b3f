/**
 * Training loop for one U-Net (plain, MC Dropout or Bayes by Backprop; paper "Training Details"):
 * Adam, learning rate base → decayed after 60% of the epochs (paper 1e-4 → 1e-5 after 30 of 50,
 * scaled by preset), augmentation, the checkpoint with the lowest validation NLL kept, seeded and
 * reproducible on one backend, progress callbacks, cancellation, resume, no tensor leaks.
 *
 * Loss: mean per-pixel cross-entropy of the softmax (soft targets on a downsampled grid), plus for
 * Bayes by Backprop λ·KL / (N_train · P), P = cropSize² pixels per example. This is the per
 * training example ELBO  −Σ_pixels log p(y|x,w) + λ·KL/N_train  divided by the constant P, so
 * the NLL term matches the other methods; Adam is invariant to that constant factor.
 *
 * Reproducibility: weights come from seeded initialisers; each epoch reseeds the shuffle, the
 * augmentation stream and the stochastic layers' noise stream from (seed, epoch), so a resumed
 * run continues exactly as an uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend, type BackendName } from '../backend';
import { saveCheckpoint, readMeta, folderIO, type CheckpointMeta } from '../checkpoint';
import { NUM_CLASSES } from '../data/types';
import { setNoiseSeed } from '../models/layers/noise-seed';
import { learningRateAt } from '../models/presets';
import { bayesLayers, buildUNet, forwardUNet } from '../models/unet';
import { createRng } from '../random';
import { imageToInput, intensityStats, labelToTarget, type IntensityStats } from '../models/input-grid';
import { resolveTraining, type ResolvedTraining } from './resolve-config';
import {
  TrainingCancelledError,
  type EpochRecord,
  type TrainConfig,
  type TrainingData,
  type TrainingSlice,
  type TrainOptions,
} from './types';

const LAST = 'last';
const STATE_JSON = 'state.json';
const OPTIMIZER_BIN = 'optimizer.bin';

interface TrainState {
  epoch: number;
  bestValNll: number;
  bestEpoch: number;
  history: EpochRecord[];
  intensity: IntensityStats;
  optimizer: Array<{ name: string; shape: number[] }>;
  /** Adam's running β₁ᵗ, β₂ᵗ as float32 products (setWeights recomputes them with pow, which
   *  differs in the last bits and would break bit-exact resume). */
  adamAccBeta: [number, number];
}

interface PreparedSet {
  inputs: Float32Array; // n × s × s
  targets: Float32Array; // n × s × s × C
  n: number;
}

function prepare(slices: TrainingSlice[], r: ResolvedTraining, stats: IntensityStats): PreparedSet {
  const s = r.unet.inputSize;
  const inputs = new Float32Array(slices.length * s * s);
  const targets = new Float32Array(slices.length * s * s * NUM_CLASSES);
  slices.forEach((sl, i) => {
    imageToInput(sl.image, sl.rows, sl.cols, r.preset, stats, inputs.subarray(i * s * s, (i + 1) * s * s));
    labelToTarget(
      sl.label,
      sl.rows,
      sl.cols,
      r.preset,
      targets.subarray(i * s * s * NUM_CLASSES, (i + 1) * s * s * NUM_CLASSES),
    );
  });
  return { inputs, targets, n: slices.length };
}

function batchTensors(set: PreparedSet, idx: number[], s: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const px = s * s;
  const xs = new Float32Array(idx.length * px);
  const ys = new Float32Array(idx.length * px * NUM_CLASSES);
  idx.forEach((k, b) => {
    xs.set(set.inputs.subarray(k * px, (k + 1) * px), b * px);
    ys.set(set.targets.subarray(k * px * NUM_CLASSES, (k + 1) * px * NUM_CLASSES), b * px * NUM_CLASSES);
  });
  return { x: tf.tensor4d(xs, [idx.length, s, s, 1]), y: tf.tensor4d(ys, [idx.length, s, s, NUM_CLASSES]) };
}

/** Mean per-pixel NLL of one stochastic forward pass per slice (noise stream fixed per call). */
export function validationNll(
  model: tf.LayersModel,
  r: ResolvedTraining,
  set: PreparedSet,
  seed: number,
  batchSize: number,
): number {
  setNoiseSeed(seed, 'val');
  const s = r.unet.inputSize;
  let total = 0;
  for (let i = 0; i < set.n; i += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, set.n - i) }, (_, k) => i + k);
    const { x, y } = batchTensors(set, idx, s);
    const sum = tf.tidy(() => {
      const logits = forwardUNet(model, r.unet, x, { logits: true });
      return tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.SUM);
    });
    total += sum.dataSync()[0];
    tf.dispose([x, y, sum]);
  }
  return total / (set.n * s * s);
}

/** Validation NLL of a model on `data.val` as training measures it (for tests and reports). */
export function validationNllOf(model: tf.LayersModel, config: TrainConfig, data: TrainingData): number {
  const r = resolveTraining(config);
  const stats = intensityStats(data.train, r.preset);
  return validationNll(model, r, prepare(data.val, r, stats), r.unet.seed, r.batchSize);
}

function augmentedSet(
  train: TrainingSlice[],
  order: number[],
  opts: TrainOptions,
  r: ResolvedTraining,
  stats: IntensityStats,
  seed: number,
  epoch: number,
  base: PreparedSet,
): PreparedSet {
  const augment = opts.augment;
  if (augment == null || !r.preset.augment) return base;
  const rng = createRng(seed, 'augment', epoch);
  const slices = order.map((k) => augment(train[k], rng.child(k)));
  // Re-index so that position k of the prepared set is training slice k.
  const out = prepare(slices, r, stats);
  const s2 = r.unet.inputSize ** 2;
  const inputs = new Float32Array(base.inputs.length);
  const targets = new Float32Array(base.targets.length);
  order.forEach((k, i) => {
    inputs.set(out.inputs.subarray(i * s2, (i + 1) * s2), k * s2);
    targets.set(out.targets.subarray(i * s2 * NUM_CLASSES, (i + 1) * s2 * NUM_CLASSES), k * s2 * NUM_CLASSES);
  });
  return { inputs, targets, n: base.n };
}

/** Adam's protected fields we set (learning-rate schedule) and restore (bit-exact resume). */
interface AdamInternals {
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

async function saveOptimizer(dir: string, opt: tf.Optimizer): Promise<TrainState['optimizer']> {
  const weights = await opt.getWeights();
  const chunks: Uint8Array[] = [];
  const specs = weights.map((w) => {
    const data = w.tensor.dataSync() as Float32Array;
    chunks.push(new Uint8Array(new Float32Array(data).buffer));
    return { name: w.name, shape: w.tensor.shape };
  });
  fs.writeFileSync(path.join(dir, OPTIMIZER_BIN), Buffer.concat(chunks));
  // getWeights() creates a fresh 'iter' scalar; the other tensors are the optimizer's own.
  weights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  return specs;
}

async function loadOptimizer(dir: string, opt: tf.Optimizer, specs: TrainState['optimizer']): Promise<void> {
  const bytes = fs.readFileSync(path.join(dir, OPTIMIZER_BIN));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let o = 0;
  const named = specs.map((sp) => {
    const size = sp.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(all.subarray(o, o + size), sp.shape);
    o += size;
    return { name: sp.name, tensor: t };
  });
  await opt.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
}

/**
 * Trains one network and returns the best checkpoint's meta and the epoch history.
 * Throws TrainingCancelledError when `signal` aborts (the last finished epoch stays resumable).
 */
export async function trainSingle(
  config: TrainConfig,
  data: TrainingData,
  opts: TrainOptions,
): Promise<{ best: CheckpointMeta; history: EpochRecord[]; backend: BackendName }> {
  const backend = await initBackend();
  const member = opts.member;
  const r = resolveTraining(config, member);
  const seed = r.unet.seed;
  if (data.train.length === 0 || data.val.length === 0)
    throw new Error('training needs at least one training and one validation slice');
  const lastDir = path.join(opts.outDir, LAST);
  const resumeDir = opts.resumeFrom != null ? path.join(opts.resumeFrom, LAST) : null;
  let state: TrainState | null = null;
  let model: tf.LayersModel;
  const optimizer = tf.train.adam(r.preset.learningRate);
  const adam = optimizer as unknown as AdamInternals;
  if (resumeDir != null && fs.existsSync(path.join(resumeDir, STATE_JSON))) {
    state = JSON.parse(fs.readFileSync(path.join(resumeDir, STATE_JSON), 'utf8')) as TrainState;
    const meta = readMeta(resumeDir);
    if (JSON.stringify(meta.unet) !== JSON.stringify(r.unet))
      throw new Error(`cannot resume: ${resumeDir} has another model configuration`);
    model = await tf.loadLayersModel(folderIO(resumeDir));
    await loadOptimizer(resumeDir, optimizer, state.optimizer);
    const [b1, b2] = state.adamAccBeta;
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(b1));
      adam.accBeta2.assign(tf.scalar(b2));
    });
  } else {
    model = buildUNet(r.unet);
  }
  const stats = state?.intensity ?? intensityStats(data.train, r.preset);
  const trainSet = prepare(data.train, r, stats);
  const valSet = prepare(data.val, r, stats);
  const s = r.unet.inputSize;
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const bayes = bayesLayers(model);
  const klScale = r.klWeight / (data.train.length * r.preset.cropSize * r.preset.cropSize);
  const stepsPerEpoch = Math.ceil(trainSet.n / r.batchSize);
  const history: EpochRecord[] = state?.history ?? [];
  let bestValNll = state?.bestValNll ?? Infinity;
  let best: CheckpointMeta | null = null;
  if (state != null && opts.resumeFrom != null) {
    best = readMeta(opts.resumeFrom);
    if (path.resolve(opts.resumeFrom) !== path.resolve(opts.outDir)) {
      // Continue in another folder: carry the best checkpoint over.
      fs.cpSync(opts.resumeFrom, opts.outDir, { recursive: true });
    }
  }
  const firstEpoch = state?.epoch ?? 0;
  const started = Date.now();
  let stepsDone = 0;
  const totalSteps = (r.epochs - firstEpoch) * stepsPerEpoch;
  const metaBase = {
    method: config.method,
    ...(member != null ? { member } : {}),
    unet: r.unet,
    preset: r.preset.name,
    geometry: { cropSize: r.preset.cropSize, downsample: r.preset.downsample },
    intensity: stats,
    backend,
    seed,
    trainSize: data.train.length,
    ...(bayes.length > 0 ? { klWeight: r.klWeight } : {}),
  };
  try {
    for (let epoch = firstEpoch; epoch < r.epochs; epoch++) {
      const t0 = Date.now();
      const lr = learningRateAt(r.preset, epoch, r.epochs);
      adam.learningRate = lr;
      const order = createRng(seed, 'shuffle', epoch).shuffle(Array.from({ length: trainSet.n }, (_, i) => i));
      const epochSet = augmentedSet(data.train, order, opts, r, stats, seed, epoch, trainSet);
      setNoiseSeed(seed, 'train', epoch);
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        if (opts.signal?.aborted) throw new TrainingCancelledError();
        const idx = order.slice(step * r.batchSize, (step + 1) * r.batchSize);
        const { x, y } = batchTensors(epochSet, idx, s);
        const cost = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const logits = forwardUNet(model, r.unet, x, { logits: true });
              let loss = tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
              if (bayes.length > 0 && klScale > 0) {
                const kl = tf.addN(bayes.map((l) => l.klDivergence())) as tf.Scalar;
                loss = tf.add(loss, tf.mul(kl, klScale));
              }
              return loss;
            }),
          true,
          varList,
        );
        lossSum += cost!.dataSync()[0];
        tf.dispose([x, y, cost!]);
        stepsDone++;
        const elapsed = (Date.now() - started) / 1000;
        opts.onProgress?.({
          ...(member != null ? { member } : {}),
          epoch: epoch + 1,
          epochs: r.epochs,
          step: step + 1,
          stepsPerEpoch,
          loss: lossSum / (step + 1),
          valNll: history.length > 0 ? history[history.length - 1].valNll : null,
          etaSeconds: (elapsed / stepsDone) * (totalSteps - stepsDone),
          learningRate: lr,
        });
        // Let the event loop deliver an abort or a worker message between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const valNll = validationNll(model, r, valSet, seed, r.batchSize);
      const record: EpochRecord = {
        epoch: epoch + 1,
        loss: lossSum / stepsPerEpoch,
        valNll,
        learningRate: lr,
        seconds: (Date.now() - t0) / 1000,
      };
      history.push(record);
      if (valNll < bestValNll || best == null) {
        bestValNll = Math.min(valNll, bestValNll);
        best = await saveCheckpoint(opts.outDir, model, { ...metaBase, epoch: epoch + 1, valNll });
      }
      await saveCheckpoint(lastDir, model, { ...metaBase, epoch: epoch + 1, valNll });
      const optSpecs = await saveOptimizer(lastDir, optimizer);
      const adamAccBeta: [number, number] = [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]];
      const next: TrainState = {
        epoch: epoch + 1,
        bestValNll,
        bestEpoch: best.epoch,
        history,
        intensity: stats,
        optimizer: optSpecs,
        adamAccBeta,
      };
      fs.writeFileSync(path.join(lastDir, STATE_JSON), JSON.stringify(next, null, 2));
      const elapsed = (Date.now() - started) / 1000;
      opts.onProgress?.({
        ...(member != null ? { member } : {}),
        epoch: epoch + 1,
        epochs: r.epochs,
        step: stepsPerEpoch,
        stepsPerEpoch,
        loss: record.loss,
        valNll,
        etaSeconds: (elapsed / Math.max(stepsDone, 1)) * (totalSteps - stepsDone),
        learningRate: lr,
      });
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  return { best: best!, history, backend };
}
