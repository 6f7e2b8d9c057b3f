/**
 * Model benchmarks (figures, no assertions), `quick` preset sizes unless --preset is given:
 * - training images/s on wasm vs the cpu backend (target ≥ 20×),
 * - inference ms per image for T = 50 posterior samples per method,
 * - prefix-caching speed-up for middle-only MC Dropout (target ≥ 1.5×),
 * - peak memory: process RSS and tf.memory().numBytes.
 *
 *   npx tsx bench/models.bench.ts [--preset quick] [--samples 50] [--cpu-steps 2]
 *        [--parts train,inference,prefix]
 *
 * Untrained networks of the preset's shape (speed does not depend on the weights).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend';
import type { CheckpointMeta, LoadedCheckpoint, SingleCheckpoint } from '../src/engine/checkpoint';
import { NUM_CLASSES } from '../src/engine/data/types';
import { PRESETS, type PresetName } from '../src/engine/models/presets';
import { buildUNet, forwardUNet } from '../src/engine/models/unet';
import { resolveTraining, type TrainConfig } from '../src/engine/training';
import { sampleProbabilities } from '../src/engine/inference/sampling';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

let peakRss = 0;
let peakTfBytes = 0;
function sampleMemory(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  peakTfBytes = Math.max(peakTfBytes, tf.memory().numBytes);
}

function single(config: TrainConfig): SingleCheckpoint {
  const r = resolveTraining(config);
  const meta = {
    method: config.method,
    unet: r.unet,
    preset: r.preset.name,
    geometry: { cropSize: r.preset.cropSize, downsample: r.preset.downsample },
    intensity: { mean: 0, std: 1 },
  } as unknown as CheckpointMeta;
  return { kind: 'single', dir: '', model: buildUNet(r.unet), meta };
}

function trainImagesPerSecond(preset: PresetName, steps: number, batch: number): number {
  const r = resolveTraining({ method: 'plain', preset, seed: 1 });
  const s = r.unet.inputSize;
  const model = buildUNet(r.unet);
  const opt = tf.train.adam(1e-4);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomNormal([batch, s, s, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tidy(() => tf.softmax(tf.randomNormal([batch, s, s, NUM_CLASSES], 0, 1, 'float32', 2)));
  const step = (): void => {
    const c = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, forwardUNet(model, r.unet, x, { logits: true })) as tf.Scalar,
      true,
      vars,
    );
    c!.dataSync();
    c!.dispose();
    sampleMemory();
  };
  step(); // warm-up (kernel setup, optimizer slots)
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return (steps * batch) / seconds;
}

function msPerImage(ck: LoadedCheckpoint, T: number, repeats: number, prefixCache = true): number {
  const size = 160;
  const image = new Float32Array(size * size).map((_, i) => Math.sin(i / 37));
  const slice = { image, rows: size, cols: size };
  sampleProbabilities(ck, slice, T, { prefixCache }); // warm-up
  sampleMemory();
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) {
    sampleProbabilities(ck, slice, T, { prefixCache, seed: i });
    sampleMemory();
  }
  return (performance.now() - t0) / repeats;
}

async function main(): Promise<void> {
  const preset = arg('preset', 'quick') as PresetName;
  const T = Number(arg('samples', '50'));
  const cpuSteps = Number(arg('cpu-steps', '2'));
  const parts = new Set(arg('parts', 'train,inference,prefix').split(','));
  const p = PRESETS[preset];
  console.log(
    `preset ${preset}: input ${p.cropSize / p.downsample}² (crop ${p.cropSize}, ÷${p.downsample}), depth ${p.depth}, base ${p.baseFilters}, batch ${p.batchSize}`,
  );

  await initBackend('wasm');
  if (parts.has('train')) {
    const wasmIps = trainImagesPerSecond(preset, 10, p.batchSize);
    await initBackend('cpu');
    const cpuIps = trainImagesPerSecond(preset, cpuSteps, p.batchSize);
    await initBackend('wasm');
    console.log(
      `training: wasm ${wasmIps.toFixed(2)} images/s, cpu ${cpuIps.toFixed(3)} images/s, speed-up ${(wasmIps / cpuIps).toFixed(1)}× (target ≥ 20×)`,
    );
  }
  if (parts.has('inference')) {
    const methods: Array<[string, TrainConfig]> = [
      ['plain', { method: 'plain', preset, seed: 1 }],
      ['mcd-0.1-middle', { method: 'mcd', preset, seed: 1, dropout: { rate: 0.1, layers: 'middle' } }],
      ['mcd-0.5-all', { method: 'mcd', preset, seed: 1, dropout: { rate: 0.5, layers: 'all' } }],
      ['bbb', { method: 'bbb', preset, seed: 1 }],
    ];
    console.log(`inference, one 160×160 slice, T = ${T} (plain: 1 pass; ensemble: one pass per member):`);
    for (const [name, config] of methods) {
      const ck = single(config);
      console.log(`  ${name.padEnd(16)} ${msPerImage(ck, T, 3).toFixed(1)} ms/image`);
      ck.model.dispose();
    }
    const members = Array.from({ length: 5 }, (_, m) => single({ method: 'ensemble', preset, seed: 1 + m }));
    console.log(
      `  ${'ensemble (M=5)'.padEnd(16)} ${msPerImage({ kind: 'ensemble', dir: '', members }, T, 3).toFixed(1)} ms/image`,
    );
    members.forEach((m) => m.model.dispose());
  }
  if (parts.has('prefix')) {
    const mcd = single({ method: 'mcd', preset, seed: 1, dropout: { rate: 0.1, layers: 'middle' } });
    // Interleaved repeats, so that load from other processes hits both alike.
    let cached = 0;
    let full = 0;
    for (let i = 0; i < 3; i++) {
      cached += msPerImage(mcd, T, 2, true) / 3;
      full += msPerImage(mcd, T, 2, false) / 3;
    }
    console.log(
      `prefix caching (MC Dropout, middle layers, T = ${T}): ${full.toFixed(1)} → ${cached.toFixed(1)} ms/image, speed-up ${(full / cached).toFixed(2)}× (target ≥ 1.5×)`,
    );
    mcd.model.dispose();
  }
  console.log(
    `peak memory: process RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, tf.memory().numBytes ${(peakTfBytes / 2 ** 20).toFixed(1)} MiB`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
