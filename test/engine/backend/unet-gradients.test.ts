/**
 * Every layer's gradient in the U-Net variants (conv, fused ReLU, max-pool, upsampling,
 * concatenation, dropout, Bayesian conv with softplus, softmax cross-entropy, KL) on wasm
 * against the cpu backend: training on wasm must compute the same gradients. Batch 1, because the
 * cpu backend's ResizeNearestNeighborGrad is itself wrong for batch > 1.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend';
import type { UNetConfig } from '../../../src/engine/models/config';
import { setNoiseSeed } from '../../../src/engine/models/layers/noise-seed';
import { bayesLayers, buildUNet, forwardUNet } from '../../../src/engine/models/unet';
import { randomArray, relError } from './helpers';

const base: UNetConfig = { inputSize: 16, depth: 3, baseFilters: 4, headFilters: 4, variant: 'plain', seed: 5 };
const VARIANTS: Array<[string, UNetConfig]> = [
  ['plain', base],
  ['mcd', { ...base, variant: 'mcd', dropout: { rate: 0.3, layers: 'all' } }],
  ['bbb', { ...base, variant: 'bbb', bayes: { priorSigma: 0.1, klWeight: 10, initRho: -3 } }],
];

function gradients(model: tf.LayersModel, cfg: UNetConfig, xa: Float32Array, ya: Float32Array): Float32Array[] {
  setNoiseSeed('grad-test');
  return tf.tidy(() => {
    const x = tf.tensor4d(xa, [1, 16, 16, 1]);
    const y = tf.softmax(tf.tensor4d(ya, [1, 16, 16, 4]).mul(4));
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      let loss = tf.losses.softmaxCrossEntropy(y, forwardUNet(model, cfg, x, { logits: true })) as tf.Scalar;
      for (const l of bayesLayers(model)) loss = loss.add(l.klDivergence().mul(1e-4));
      return loss;
    }, vars);
    return vars.map((v) => grads[v.name].dataSync() as Float32Array);
  });
}

describe('U-Net gradients on wasm match cpu', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(VARIANTS)('%s', async (_name, cfg) => {
    await tf.setBackend('wasm');
    const model = buildUNet(cfg);
    const xa = randomArray(16 * 16, 21);
    const ya = randomArray(16 * 16 * 4, 22);
    const onWasm = gradients(model, cfg, xa, ya);
    await tf.setBackend('cpu');
    const onCpu = gradients(model, cfg, xa, ya);
    await tf.setBackend('wasm');
    expect(onWasm).toHaveLength(model.trainableWeights.length);
    onWasm.forEach((g, i) => {
      const err = relError(g, onCpu[i]);
      if (err > 1e-4) throw new Error(`${model.trainableWeights[i].name}: relative error ${err}`);
    });
    model.dispose();
  });
});
