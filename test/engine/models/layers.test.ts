/** Always-on dropout and the Bayesian convolution: behaviour, KL, serialisation. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend';
import { AlwaysOnDropout } from '../../../src/engine/models/layers/always-on-dropout';
import { BayesConv2D } from '../../../src/engine/models/layers/bayes-conv2d';
import { setNoiseSeed } from '../../../src/engine/models/layers/noise-seed';
import { buildUNet, forwardUNet } from '../../../src/engine/models/unet';
import type { UNetConfig } from '../../../src/engine/models/config';

const base: UNetConfig = { inputSize: 16, depth: 3, baseFilters: 4, headFilters: 4, variant: 'plain', seed: 3 };

beforeAll(async () => {
  await initBackend('wasm');
});

function softplus(r: number): number {
  return Math.log1p(Math.exp(r));
}

describe('BayesConv2D', () => {
  it('KL divergence equals the closed form computed here', () => {
    const layer = new BayesConv2D({ filters: 2, kernelSize: 3, priorSigma: 0.1, seed: 1 });
    layer.apply(tf.input({ shape: [8, 8, 3] }));
    const muK = Array.from({ length: 3 * 3 * 3 * 2 }, (_, i) => Math.sin(i) * 0.2);
    const rhoK = Array.from({ length: 3 * 3 * 3 * 2 }, (_, i) => -4 + (i % 5) * 0.7);
    const muB = [0.05, -0.3];
    const rhoB = [-2, 0.5];
    layer.setWeights([tf.tensor(muK, [3, 3, 3, 2]), tf.tensor(rhoK, [3, 3, 3, 2]), tf.tensor(muB), tf.tensor(rhoB)]);
    const sp = 0.1;
    let expected = 0;
    const add = (mu: number[], rho: number[]): void =>
      mu.forEach((m, i) => {
        const s = softplus(rho[i]);
        expected += Math.log(sp / s) + (s * s + m * m) / (2 * sp * sp) - 0.5;
      });
    add(muK, rhoK);
    add(muB, rhoB);
    const kl = layer.klDivergence();
    expect(kl.dataSync()[0]).toBeCloseTo(expected, 1);
    expect(Math.abs(kl.dataSync()[0] - expected) / expected).toBeLessThan(1e-5);
    kl.dispose();
  });

  it('KL is zero when q equals the prior and gradients reach μ and ρ', () => {
    const layer = new BayesConv2D({ filters: 1, kernelSize: 1, priorSigma: 1 });
    layer.apply(tf.input({ shape: [4, 4, 1] }));
    const rho = Math.log(Math.E - 1); // softplus(ρ) = 1
    layer.setWeights([tf.zeros([1, 1, 1, 1]), tf.fill([1, 1, 1, 1], rho), tf.zeros([1]), tf.fill([1], rho)]);
    const kl = layer.klDivergence();
    expect(Math.abs(kl.dataSync()[0])).toBeLessThan(1e-6);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(
      () => tf.sum(layer.apply(tf.ones([1, 4, 4, 1])) as tf.Tensor) as tf.Scalar,
      vars,
    );
    expect(Object.keys(grads)).toHaveLength(4);
    tf.dispose([kl, ...Object.values(grads)]);
  });

  it('samples different weights on each call and reproduces them from the same noise seed', () => {
    const layer = new BayesConv2D({ filters: 3, kernelSize: 3, priorSigma: 0.1, initRho: -1, seed: 2 });
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 7);
    setNoiseSeed(5);
    const a = (layer.apply(x) as tf.Tensor).dataSync();
    const b = (layer.apply(x) as tf.Tensor).dataSync();
    setNoiseSeed(5);
    const c = (layer.apply(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Array.from(a)).toEqual(Array.from(c));
  });

  it('round-trips its config', () => {
    const layer = new BayesConv2D({
      filters: 3,
      kernelSize: 1,
      priorSigma: 1,
      initRho: -5,
      activation: 'relu',
      seed: 4,
      name: 'bc',
    });
    const copy = BayesConv2D.fromConfig(BayesConv2D, layer.getConfig()) as BayesConv2D;
    expect(copy.getConfig()).toEqual(layer.getConfig());
  });
});

describe('AlwaysOnDropout', () => {
  it('drops at inference: two passes differ, units are zeroed or scaled by 1/(1−rate)', () => {
    const layer = new AlwaysOnDropout({ rate: 0.5 });
    const x = tf.ones([1, 32, 32, 2]);
    const a = (layer.apply(x, { training: false }) as tf.Tensor).dataSync();
    const b = (layer.apply(x, { training: false }) as tf.Tensor).dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const values = new Set(Array.from(a).map((v) => Math.round(v * 1000) / 1000));
    expect([...values].sort()).toEqual([0, 2]);
    const kept = Array.from(a).filter((v) => v > 0).length / a.length;
    expect(kept).toBeGreaterThan(0.4);
    expect(kept).toBeLessThan(0.6);
  });

  it('rejects rates outside [0, 1)', () => {
    expect(() => new AlwaysOnDropout({ rate: 1 })).toThrow(/rate/);
    expect(() => new AlwaysOnDropout({ rate: -0.1 })).toThrow(/rate/);
  });
});

describe('U-Net variants', () => {
  const x = (): tf.Tensor4D => tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 11) as tf.Tensor4D;

  it('plain is deterministic, softmax over 4 classes, filters base·2^i', () => {
    const model = buildUNet(base);
    const input = x();
    const a = (model.predict(input) as tf.Tensor).dataSync();
    const b = (model.predict(input) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(model.outputs[0].shape).toEqual([null, 16, 16, 4]);
    for (let i = 0; i < 2 * 16 * 16; i++)
      expect(a[4 * i] + a[4 * i + 1] + a[4 * i + 2] + a[4 * i + 3]).toBeCloseTo(1, 5);
    expect(model.getLayer('enc2_conv1').outputShape).toEqual([null, 4, 4, 16]);
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(2 * (2 * 3 - 1) + 2);
    model.dispose();
  });

  it('MC dropout (all and middle) differs between two inference passes; middle only has dropout in the middle', () => {
    for (const layers of ['all', 'middle'] as const) {
      const model = buildUNet({ ...base, variant: 'mcd', dropout: { rate: 0.3, layers } });
      const input = x();
      const a = (model.predict(input) as tf.Tensor).dataSync();
      const b = (model.predict(input) as tf.Tensor).dataSync();
      expect(Array.from(a)).not.toEqual(Array.from(b));
      const names = model.layers.filter((l) => l instanceof AlwaysOnDropout).map((l) => l.name);
      if (layers === 'middle') expect(names).toEqual(['enc2_drop0', 'enc2_drop1', 'dec1_drop0', 'dec1_drop1']);
      else expect(names).toHaveLength(2 * (2 * 3 - 1));
      model.dispose();
    }
  });

  it('refuses an MC-dropout model without dropout', () => {
    expect(() => buildUNet({ ...base, variant: 'mcd' })).toThrow(/dropout/);
    expect(() => buildUNet({ ...base, variant: 'mcd', dropout: { rate: 0, layers: 'all' } })).toThrow(/dropout/);
  });

  it('BBB uses Bayesian convolutions everywhere and its samples differ', () => {
    const model = buildUNet({ ...base, variant: 'bbb', bayes: { priorSigma: 0.1, klWeight: 1, initRho: -2 } });
    expect(model.layers.filter((l) => l instanceof BayesConv2D)).toHaveLength(2 * (2 * 3 - 1) + 2);
    const input = x();
    const a = forwardUNet(
      model,
      { ...base, variant: 'bbb', bayes: { priorSigma: 0.1, klWeight: 1, initRho: -2 } },
      input,
    ).dataSync();
    const b = (model.predict(input) as tf.Tensor).dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    model.dispose();
  });

  it('same seed gives the same initial weights, another seed other weights', () => {
    const w = (seed: number): number[] => {
      const m = buildUNet({ ...base, seed });
      const v = Array.from(m.getLayer('enc0_conv0').getWeights()[0].dataSync());
      m.dispose();
      return v;
    };
    expect(w(7)).toEqual(w(7));
    expect(w(7)).not.toEqual(w(8));
  });
});
