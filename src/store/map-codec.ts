/**
 * Per-pixel maps as stored: label maps as deflated uint8; uncertainty maps quantised to uint8 over
 * [0, ln C] nats (the range of entropy and MI for C classes; resolution ≈ 0.005 nats) and deflated.
 * Raw DEFLATE streams (RFC 1951), written by Node's zlib (≈ 40× faster than fflate on a 200²
 * map: the shard writer packs 16 × (3 + T) of them) and read by fflate, which reads either's.
 */
import { deflateRawSync } from 'node:zlib';
import { inflateSync } from 'fflate';
import { NUM_CLASSES } from '../engine/data/types';
import type { Bytes } from './slice-codec';

export const MAP_MAX_NATS = Math.log(NUM_CLASSES);

/** A copy over its own ArrayBuffer (zlib's result may sit in a shared pool). */
const deflated = (data: Uint8Array): Bytes => new Uint8Array(deflateRawSync(data)) as Bytes;

export function packLabels(labels: Uint8Array): Bytes {
  return deflated(labels);
}

export function unpackLabels(bytes: Uint8Array): Uint8Array {
  return inflateSync(bytes);
}

export function packNatsMap(map: ArrayLike<number>): Bytes {
  const q = new Uint8Array(map.length);
  for (let i = 0; i < map.length; i++) q[i] = Math.round(Math.min(1, Math.max(0, map[i] / MAP_MAX_NATS)) * 255);
  return deflated(q);
}

export function unpackNatsMap(bytes: Uint8Array): Float32Array {
  const q = inflateSync(bytes);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i] / 255) * MAP_MAX_NATS;
  return out;
}
