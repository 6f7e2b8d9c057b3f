/**
 * Per-pixel maps as stored: label maps as deflated uint8; uncertainty maps quantised to uint8 over
 * [0, ln C] nats (the range of entropy and MI for C classes; resolution ≈ 0.005 nats) and deflated.
 */
import { deflateSync, inflateSync } from 'fflate';
import { NUM_CLASSES } from '../engine/data/types';
import type { Bytes } from './slice-codec';

export const MAP_MAX_NATS = Math.log(NUM_CLASSES);

export function packLabels(labels: Uint8Array): Bytes {
  return deflateSync(labels) as Bytes;
}

export function unpackLabels(bytes: Uint8Array): Uint8Array {
  return inflateSync(bytes);
}

export function packNatsMap(map: ArrayLike<number>): Bytes {
  const q = new Uint8Array(map.length);
  for (let i = 0; i < map.length; i++) q[i] = Math.round(Math.min(1, Math.max(0, map[i] / MAP_MAX_NATS)) * 255);
  return deflateSync(q) as Bytes;
}

export function unpackNatsMap(bytes: Uint8Array): Float32Array {
  const q = inflateSync(bytes);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i] / 255) * MAP_MAX_NATS;
  return out;
}
