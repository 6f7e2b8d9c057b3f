/** Our wasm MaxPoolGrad (replacing wasm's incorrect one) against the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend';
import { onBackend, randomArray, relError } from './helpers';

type Case = { xs: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' };
const CASES: Case[] = [
  { xs: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' },
  { xs: [1, 9, 7, 2], size: 2, stride: 2, pad: 'valid' },
  { xs: [2, 9, 7, 2], size: 3, stride: 2, pad: 'same' },
  { xs: [1, 6, 6, 4], size: 3, stride: 1, pad: 'same' },
];

function poolGrad(c: Case, xa: Float32Array, dya: Float32Array): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xa, c.xs);
    const f = (a: tf.Tensor): tf.Tensor => tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad);
    const yShape = f(x).shape;
    const dy = tf.tensor(
      dya.subarray(
        0,
        yShape.reduce((p, q) => p * q, 1),
      ),
      yShape,
    );
    return tf.grad(f)(x, dy).dataSync() as Float32Array;
  });
}

describe('wasm MaxPoolGrad', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(CASES)('matches cpu for %j', async (c) => {
    const xa = randomArray(
      c.xs.reduce((p, q) => p * q, 1),
      7,
    );
    const dya = randomArray(
      c.xs.reduce((p, q) => p * q, 1),
      8,
    );
    const before = tf.memory().numTensors;
    const w = await onBackend('wasm', () => poolGrad(c, xa, dya));
    expect(tf.memory().numTensors).toBe(before);
    const cpu = await onBackend('cpu', () => poolGrad(c, xa, dya));
    expect(relError(w, cpu)).toBeLessThanOrEqual(1e-4);
    await tf.setBackend('wasm');
  });

  it('sends each window gradient to its first maximum (ties included)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d([2, 2, 0, 0, 2, 1, 0, 0], [1, 2, 4, 1]);
    const dy = tf.tensor4d([3, 7], [1, 1, 2, 1]);
    const g = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'))(x, dy);
    expect(Array.from(g.dataSync())).toEqual([3, 0, 7, 0, 0, 0, 0, 0]);
    tf.dispose([x, dy, g]);
  });
});
