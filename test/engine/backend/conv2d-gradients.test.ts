/**
 * Our wasm Conv2DBackpropFilter and Conv2DBackpropInput (stride 1; strided cases fall back to wasm's
 * own) against the cpu backend's reference kernels, ≤ 1e-4 relative.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend';
import { onBackend, randomArray, relError } from './helpers';

type Case = {
  xs: [number, number, number, number];
  ws: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
};
const CASES: Case[] = [
  { xs: [2, 12, 12, 3], ws: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { xs: [3, 9, 11, 4], ws: [1, 1, 4, 6], stride: 1, pad: 'same' },
  { xs: [2, 15, 17, 3], ws: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { xs: [2, 15, 17, 3], ws: [3, 3, 3, 5], stride: 2, pad: 'valid' },
  { xs: [1, 10, 10, 2], ws: [5, 3, 2, 4], stride: 1, pad: 'valid' },
  { xs: [2, 16, 16, 1], ws: [3, 3, 1, 4], stride: 1, pad: 'same' },
  { xs: [1, 8, 8, 3], ws: [3, 3, 3, 2], stride: 1, pad: 'same' },
];

function conv2dGrads(c: Case, xa: Float32Array, wa: Float32Array, dya: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xa, c.xs);
    const w = tf.tensor4d(wa, c.ws);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
    const yShape = f(x, w).shape;
    const dy = tf.tensor(
      dya.subarray(
        0,
        yShape.reduce((p, q) => p * q, 1),
      ),
      yShape,
    );
    const [dx, dw] = tf.grads(f)([x, w], dy);
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

describe('wasm Conv2DBackpropFilter and Conv2DBackpropInput', () => {
  beforeAll(async () => {
    expect(await initBackend('wasm')).toBe('wasm');
  });

  it.each(CASES)('matches cpu for x %j', async (c) => {
    const n = (s: number[]): number => s.reduce((p, q) => p * q, 1);
    const xa = randomArray(n(c.xs), 1);
    const wa = randomArray(n(c.ws), 2);
    const dya = randomArray(n([c.xs[0], c.xs[1], c.xs[2], c.ws[3]]), 3);
    const before = tf.memory().numTensors;
    const [dxW, dwW] = await onBackend('wasm', () => conv2dGrads(c, xa, wa, dya));
    expect(tf.memory().numTensors).toBe(before); // intermediates freed
    const [dxC, dwC] = await onBackend('cpu', () => conv2dGrads(c, xa, wa, dya));
    expect(relError(dwW, dwC)).toBeLessThanOrEqual(1e-4);
    expect(relError(dxW, dxC)).toBeLessThanOrEqual(1e-4);
    await tf.setBackend('wasm');
  });

  it('frees its intermediates in the wasm heap', async () => {
    await tf.setBackend('wasm');
    const c = CASES[0];
    const xa = randomArray(2 * 12 * 12 * 3, 4);
    const wa = randomArray(3 * 3 * 3 * 5, 5);
    const dya = randomArray(2 * 12 * 12 * 5, 6);
    conv2dGrads(c, xa, wa, dya);
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) conv2dGrads(c, xa, wa, dya);
    expect(tf.memory().numBytes).toBe(bytes);
    expect(tf.engine().backend.numDataIds()).toBe(tf.memory().numTensors);
  });
});
