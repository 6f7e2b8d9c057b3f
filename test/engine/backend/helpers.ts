/** Runs a computation on one backend and returns plain arrays (inputs passed as arrays). */
import * as tf from '@tensorflow/tfjs';

export async function onBackend<T>(name: 'wasm' | 'cpu', fn: () => T): Promise<T> {
  await tf.setBackend(name);
  return fn();
}

/** max|a − b| / max|b| — relative error of a whole result, robust to float32 summation order. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale || 1);
}

export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}
