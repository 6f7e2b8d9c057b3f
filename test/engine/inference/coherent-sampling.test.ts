/**
 * Coherent posterior draws (docs/design.md "Clinical biomarkers"): with a fixed seed, sample t of
 * every slice uses the same weights — the same MC Dropout masks, the same BBB weight draw, the
 * same ensemble member — whichever slice, chunk, batch or call it is computed in. Checked by
 * sampling one image twice as two slices in different chunks (and calls), with another slice
 * between them: sample t must agree across the copies, while samples t ≠ t' differ.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend';
import { disposeCheckpoint, loadCheckpoint, type LoadedCheckpoint } from '../../../src/engine/checkpoint';
import { trainModel } from '../../../src/engine/training';
import { methodSamples, methodSamplesOfSlices } from '../../../src/engine/inference/method-samples';
import { type ProbabilitySamples, sampleProbabilities, sampleSlices } from '../../../src/engine/inference/sampling';
import { syntheticSet, syntheticSlice } from '../training/synthetic';

let tmp: string;
const ck: Record<string, LoadedCheckpoint> = {};
const a = syntheticSlice(41, 90, 110);
const b = syntheticSlice(42, 90, 110);

beforeAll(async () => {
  await initBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-coherent-'));
  const data = { train: syntheticSet(6, 3), val: syntheticSet(2, 4) };
  const methods = [
    ['mcd', 'mcd', { dropout: { rate: 0.3, layers: 'middle' as const } }],
    ['mcd-all', 'mcd', { dropout: { rate: 0.3, layers: 'all' as const } }],
    ['bbb', 'bbb', { bayes: { initRho: -3 } }],
    ['ensemble', 'ensemble', { members: 3 }],
  ] as const;
  for (const [name, method, extra] of methods) {
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

function sample(s: ProbabilitySamples, t: number): Float32Array {
  const n = s.data.length / s.shape[0];
  return s.data.subarray(t * n, (t + 1) * n);
}

function maxDiff(x: Float32Array, y: Float32Array): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

/** Same input, sampled as slice 0 and slice 2 (a different chunk with batchSize 2) and in a call of its own. */
function expectCoherent(c: LoadedCheckpoint, T: number): void {
  const [first, other, again] = sampleSlices(c, [a, b, a], T, { seed: 7, batchSize: 2 });
  const alone = sampleProbabilities(c, a, T, { seed: 7, batchSize: 3 });
  expect(first.shape[0]).toBe(T);
  for (let t = 0; t < T; t++) {
    expect(maxDiff(sample(first, t), sample(again, t))).toBeLessThan(1e-5);
    expect(maxDiff(sample(first, t), sample(alone, t))).toBeLessThan(1e-5);
    for (let u = 0; u < t; u++) {
      expect(maxDiff(sample(first, t), sample(first, u))).toBeGreaterThan(1e-3);
      expect(maxDiff(sample(other, t), sample(other, u))).toBeGreaterThan(1e-3);
    }
  }
  // Another seed draws other weights.
  expect(maxDiff(sample(sampleProbabilities(c, a, 1, { seed: 8 }), 0), sample(first, 0))).toBeGreaterThan(1e-3);
}

describe('coherent posterior draws', () => {
  it('MC Dropout (middle layers, prefix cached): sample t has the same masks in every slice and call', () => {
    expectCoherent(ck.mcd, 5);
  });

  it('MC Dropout (all layers): the same', () => {
    expectCoherent(ck['mcd-all'], 4);
  });

  it('MC Dropout: sample t does not depend on T or on the batch it falls in', () => {
    const five = sampleProbabilities(ck.mcd, b, 5, { seed: 7, batchSize: 2 });
    const three = sampleProbabilities(ck.mcd, b, 3, { seed: 7, batchSize: 16 });
    for (let t = 0; t < 3; t++) expect(maxDiff(sample(five, t), sample(three, t))).toBeLessThan(1e-5);
  });

  it('Bayes by Backprop: sample t uses the same weight draw in every chunk of slices', () => {
    expectCoherent(ck.bbb, 4);
  });

  it('Deep Ensemble: sample m is member m for every slice', () => {
    const c = ck.ensemble;
    if (c.kind !== 'ensemble') throw new Error('ensemble expected');
    const [sa, sb] = sampleSlices(c, [a, b], 10, { seed: 7 });
    expect(sa.shape[0]).toBe(3);
    c.members.forEach((member, m) => {
      expect(maxDiff(sample(sa, m), sample(sampleProbabilities(member, a, 1), 0))).toBeLessThan(1e-5);
      expect(maxDiff(sample(sb, m), sample(sampleProbabilities(member, b, 1), 0))).toBeLessThan(1e-5);
    });
  });

  it('an evaluation shard samples its slices together (methodSamplesOfSlices): the per-slice samples, tempered alike', () => {
    for (const c of [ck.bbb, ck.ensemble, ck.mcd]) {
      const opts = { seed: 7, temperature: 1.7 };
      const [sa, sb] = methodSamplesOfSlices(c, [a, b], 4, opts);
      const alone = [methodSamples(c, a, 4, opts), methodSamples(c, b, 4, opts)];
      for (const [k, s] of [sa, sb].entries()) {
        expect(s.shape).toEqual(alone[k].shape);
        expect(maxDiff(s.data, alone[k].data)).toBeLessThan(1e-5);
      }
      // The temperature was applied: untempered samples differ.
      expect(maxDiff(sa.data, sampleProbabilities(c, a, 4, { seed: 7 }).data)).toBeGreaterThan(1e-3);
    }
  });
});
