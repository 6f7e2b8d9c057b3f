/**
 * Checkpoint round trip and the common sampler: save → load → identical outputs and hash,
 * [T, H, W, C] on the slice's own grid per method, prefix caching equal to the full pass.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend';
import { disposeCheckpoint, loadCheckpoint, readMeta, type LoadedCheckpoint } from '../../../src/engine/checkpoint';
import { averageSamples } from '../../../src/engine/models/ensemble';
import { trainModel } from '../../../src/engine/training';
import { sampleProbabilities, sampleSlices } from '../../../src/engine/inference/sampling';
import { setNoiseSeed } from '../../../src/engine/models/layers/noise-seed';
import { forwardUNet } from '../../../src/engine/models/unet';
import { syntheticSet, syntheticSlice } from '../training/synthetic';

const data = { train: syntheticSet(8, 3), val: syntheticSet(4, 4) };
let tmp: string;
const ck: Record<string, LoadedCheckpoint> = {};

beforeAll(async () => {
  await initBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-sample-'));
  const methods = [
    ['plain', {}],
    ['mcd', { dropout: { rate: 0.3, layers: 'middle' as const } }],
    ['mcd-all', { dropout: { rate: 0.3, layers: 'all' as const } }],
    ['bbb', { bayes: { initRho: -3 } }],
    ['ensemble', { members: 2 }],
  ] as const;
  for (const [name, extra] of methods) {
    const method = name === 'mcd-all' ? 'mcd' : name;
    await trainModel({ method, preset: 'tiny', seed: 1, epochs: 1, ...extra }, data, {
      outDir: path.join(tmp, name),
      workers: 0,
    });
    ck[name] = await loadCheckpoint(path.join(tmp, name));
  }
});
afterAll(() => {
  Object.values(ck).forEach(disposeCheckpoint);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('checkpoints', () => {
  it('weights.bin hashes to the recorded SHA-256 and meta records backend, stats, method', () => {
    for (const name of ['plain', 'mcd', 'bbb']) {
      const dir = path.join(tmp, name);
      const meta = readMeta(dir);
      const sha = createHash('sha256')
        .update(fs.readFileSync(path.join(dir, 'weights.bin')))
        .digest('hex');
      expect(sha).toBe(meta.weightsSha256);
      expect(meta.backend).toBe('wasm');
      expect(meta.intensity.std).toBeGreaterThan(0);
      expect(meta.epoch).toBe(1);
    }
    const bbb = readMeta(path.join(tmp, 'bbb'));
    expect(bbb.sigmaStats).toHaveLength(2 * 5 + 2);
    for (const s of bbb.sigmaStats!) {
      expect(s.p5).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.p95);
      expect(s.mean).toBeGreaterThan(0);
    }
    expect(readMeta(path.join(tmp, 'mcd')).dropoutRates).toEqual([
      { layer: 'enc2_drop0', rate: 0.3 },
      { layer: 'enc2_drop1', rate: 0.3 },
      { layer: 'dec1_drop0', rate: 0.3 },
      { layer: 'dec1_drop1', rate: 0.3 },
    ]);
  });

  it('save → load gives identical outputs (same noise seed for stochastic models)', async () => {
    for (const name of ['plain', 'bbb']) {
      const c = ck[name];
      if (c.kind !== 'single') throw new Error('single expected');
      const again = await loadCheckpoint(path.join(tmp, name));
      if (again.kind !== 'single') throw new Error('single expected');
      const x = tf.randomNormal([1, 24, 24, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
      setNoiseSeed('rt');
      const a = forwardUNet(c.model, c.meta.unet, x).dataSync();
      setNoiseSeed('rt');
      const b = forwardUNet(again.model, again.meta.unet, x).dataSync();
      expect(Array.from(b)).toEqual(Array.from(a));
      disposeCheckpoint(again);
    }
  });

  it('refuses a checkpoint whose weights were altered', async () => {
    const dir = path.join(tmp, 'tampered');
    fs.cpSync(path.join(tmp, 'plain'), dir, { recursive: true });
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    bytes[100] ^= 0xff;
    fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/SHA-256/);
  });
});

const same = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('sampleProbabilities', () => {
  const slice = syntheticSlice(99, 90, 110);

  it('returns [T, H, W, 4] on the slice grid: plain T=1, MC methods T, ensemble one per member', () => {
    const expectT: Record<string, number> = { plain: 1, mcd: 5, 'mcd-all': 5, bbb: 5, ensemble: 2 };
    for (const [name, T] of Object.entries(expectT)) {
      const s = sampleProbabilities(ck[name], slice, 5);
      expect(s.shape).toEqual([T, 90, 110, 4]);
      for (let i = 0; i < s.data.length; i += 4 * 97) {
        expect(s.data[i] + s.data[i + 1] + s.data[i + 2] + s.data[i + 3]).toBeCloseTo(1, 4);
      }
      // Outside the 96×96 crop window (rows 0..89 all inside; cols < 7 outside): background 1.
      expect(Array.from(s.data.subarray(0, 4))).toEqual([1, 0, 0, 0]);
    }
  });

  it('stochastic samples differ, plain is deterministic, sampling is seeded', () => {
    for (const name of ['mcd', 'mcd-all', 'bbb', 'ensemble']) {
      const s = sampleProbabilities(ck[name], slice, 3, { seed: 1 });
      const n = s.data.length / s.shape[0];
      expect(same(s.data.subarray(0, n), s.data.subarray(n, 2 * n))).toBe(false);
      expect(same(sampleProbabilities(ck[name], slice, 3, { seed: 1 }).data, s.data)).toBe(true);
    }
    const p = sampleProbabilities(ck.plain, slice, 3);
    expect(same(sampleProbabilities(ck.plain, slice, 3).data, p.data)).toBe(true);
  });

  it('prefix caching for middle-layer MC Dropout equals the uncached computation', () => {
    const a = sampleProbabilities(ck.mcd, slice, 6, { seed: 2, batchSize: 4, prefixCache: true });
    const b = sampleProbabilities(ck.mcd, slice, 6, { seed: 2, batchSize: 4, prefixCache: false });
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    expect(diff).toBeLessThan(1e-5);
  });

  it('batches slices of different sizes and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const out = sampleSlices(ck.bbb, [slice, syntheticSlice(5, 64, 64)], 4);
    expect(out.map((o) => o.shape)).toEqual([
      [4, 90, 110, 4],
      [4, 64, 64, 4],
    ]);
    sampleSlices(ck.mcd, [slice], 4);
    sampleSlices(ck.ensemble, [slice], 4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ensemble average is the mean of member probabilities', () => {
    const s = sampleProbabilities(ck.ensemble, slice, 1);
    const mean = averageSamples(s);
    const n = mean.length;
    for (let i = 0; i < n; i += 101) expect(mean[i]).toBeCloseTo((s.data[i] + s.data[n + i]) / 2, 6);
  });
});
