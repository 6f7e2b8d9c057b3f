/**
 * Per-layer statistics stored with a checkpoint: for Bayes by Backprop the distribution of the
 * learned σ = softplus(ρ) per layer (the paper's weight_stats figure: σ is lower in early layers
 * and higher in the middle of the U-Net), for MC Dropout the dropout rate per layer; and the
 * SHA-256 of the weight bytes (model.weights order, float32 little-endian, = weights.bin).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { bayesLayers, dropoutLayers } from '../models/unet';

export interface SigmaStats {
  layer: string;
  count: number;
  mean: number;
  median: number;
  p5: number;
  p25: number;
  p75: number;
  p95: number;
  min: number;
  max: number;
}

export interface DropoutRate {
  layer: string;
  rate: number;
}

/** Linear-interpolated percentile q ∈ [0, 1] of sorted values. */
function percentile(sorted: Float32Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function sigmaStats(model: tf.LayersModel): SigmaStats[] {
  return bayesLayers(model).map((layer) => {
    const sorted = layer.sigmaValues().sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      layer: layer.name,
      count: sorted.length,
      mean: sum / sorted.length,
      median: percentile(sorted, 0.5),
      p5: percentile(sorted, 0.05),
      p25: percentile(sorted, 0.25),
      p75: percentile(sorted, 0.75),
      p95: percentile(sorted, 0.95),
      min: sorted[0],
      max: sorted[sorted.length - 1],
    };
  });
}

export function dropoutRates(model: tf.LayersModel): DropoutRate[] {
  return dropoutLayers(model).map((l) => ({ layer: l.name, rate: l.rate }));
}

/** The weights as one little-endian float32 byte buffer, in model.weights order. */
export function weightBytes(model: tf.LayersModel): Uint8Array {
  const arrays = model.weights.map((w) => w.read().dataSync() as Float32Array);
  const total = arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  return out;
}

export function weightsSha256(model: tf.LayersModel): string {
  return createHash('sha256').update(weightBytes(model)).digest('hex');
}
