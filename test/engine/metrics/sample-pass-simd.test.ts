import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import { sampleStatistics } from '../../../src/engine/metrics/sample-statistics';
import { randomSamples, refEntropy } from './brute-force';

/**
 * The C = 4 sample pass runs in WebAssembly SIMD (wasm/sample-pass.ts); these pin it against
 * straightforward references: argmax, counts, boxes and p̄ exactly, the per-sample entropies to the
 * float32 bound stated in sample-pass-simd.ts.
 */
interface Reference {
  meanProbs: Float64Array;
  meanSampleEntropy: Float64Array;
  labels: Uint8Array;
  counts: Int32Array;
  boxes: Int32Array;
}

function reference(s: Float32Array, T: number, rows: number, cols: number, C: number): Reference {
  const P = rows * cols;
  const sums = new Float64Array(P * C);
  const ent = new Float64Array(P);
  const labels = new Uint8Array(T * P);
  const counts = new Int32Array(T * C);
  const boxes = new Int32Array(T * C * 4);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < C; k++) boxes.set(k === 0 ? [0, rows - 1, 0, cols - 1] : [rows, -1, cols, -1], 4 * (t * C + k));
    for (let i = 0; i < P; i++) {
      const p = s.subarray((t * P + i) * C, (t * P + i + 1) * C);
      let best = 0;
      for (let c = 0; c < C; c++) {
        sums[i * C + c] += p[c];
        if (p[c] > p[best]) best = c;
      }
      ent[i] += refEntropy(p);
      labels[t * P + i] = best;
      counts[t * C + best]++;
      if (best === 0) continue;
      const q = 4 * (t * C + best);
      const r = Math.floor(i / cols);
      const c = i % cols;
      boxes[q] = Math.min(boxes[q], r);
      boxes[q + 1] = Math.max(boxes[q + 1], r);
      boxes[q + 2] = Math.min(boxes[q + 2], c);
      boxes[q + 3] = Math.max(boxes[q + 3], c);
    }
  }
  return { meanProbs: sums.map((v) => v / T), meanSampleEntropy: ent.map((v) => v / T), labels, counts, boxes };
}

function expectMatches(s: Float32Array, T: number, rows: number, cols: number): number {
  const got = sampleStatistics(s, { T, rows, cols, C: 4 });
  const ref = reference(s, T, rows, cols, 4);
  expect(Array.from(got.sampleLabels)).toEqual(Array.from(ref.labels));
  expect(Array.from(got.classCounts)).toEqual(Array.from(ref.counts));
  expect(Array.from(got.classBoxes)).toEqual(Array.from(ref.boxes));
  expect(Array.from(got.meanProbs)).toEqual(Array.from(ref.meanProbs));
  // H(p̄) is float64 (the kernel's own logarithm): as Math.log to rounding
  for (let i = 0; i < rows * cols; i++) {
    expect(Math.abs(got.meanEntropy[i] - refEntropy(ref.meanProbs.subarray(i * 4, i * 4 + 4)))).toBeLessThan(1e-14);
  }
  let worst = 0;
  for (let i = 0; i < rows * cols; i++)
    worst = Math.max(worst, Math.abs(got.meanSampleEntropy[i] - ref.meanSampleEntropy[i]));
  return worst;
}

describe('sample pass in WebAssembly SIMD (C = 4)', () => {
  it('matches the references on shapes that exercise every edge of the blocking', () => {
    const rng = seedrandom('simd');
    // P not a multiple of 4 or 16, rows longer and shorter than 16, several 512-pixel blocks, T = 1
    for (const [T, rows, cols] of [
      [3, 1, 1],
      [1, 7, 5],
      [4, 37, 23],
      [2, 24, 48],
      [6, 19, 61],
    ]) {
      const s = randomSamples(rng, T, rows, cols, 4);
      expect(expectMatches(s, T, rows, cols)).toBeLessThan(1e-7);
    }
  });

  it('keeps per-sample entropies within 1e-7 per pixel across the float32 range, exact for dyadic values', () => {
    const rng = seedrandom('range');
    const T = 8;
    const rows = 20;
    const cols = 20;
    const s = new Float32Array(T * rows * cols * 4);
    for (let i = 0; i < T * rows * cols; i++) {
      // probabilities from 1e-38 (and subnormal) up to 1, renormalised in float64
      const v = [0, 1, 2, 3].map(() => Math.exp(-rng() * (i % 3 === 0 ? 90 : 12)));
      if (i % 7 === 0) v[i % 4] = 0;
      const z = v.reduce((a, b) => a + b, 0);
      for (let c = 0; c < 4; c++) s[i * 4 + c] = v[c] / z;
    }
    expect(expectMatches(s, T, rows, cols)).toBeLessThan(1e-7);

    // ½, ¼, 1 and 0 are exact in the float32 part: MI of two disagreeing one-hot samples is ln 2
    const dyadic = Float32Array.from([0.5, 0.25, 0.25, 0, 1, 0, 0, 0]);
    const st = sampleStatistics(dyadic, { T: 2, rows: 1, cols: 1, C: 4 });
    expect(st.meanSampleEntropy[0]).toBe((0.5 * Math.LN2 + 0.5 * 2 * Math.LN2) / 2);
  });

  it('breaks argmax ties towards the lowest class', () => {
    const s = Float32Array.from([
      0.25, 0.25, 0.25, 0.25, 0, 0.5, 0.5, 0, 0.1, 0.2, 0.35, 0.35, 0.4, 0.1, 0.1, 0.4, 0, 0, 0, 1,
    ]);
    const st = sampleStatistics(s, { T: 1, rows: 1, cols: 5, C: 4 });
    expect(Array.from(st.sampleLabels)).toEqual([0, 1, 2, 0, 3]);
    expect(Array.from(st.classCounts)).toEqual([2, 1, 1, 1]);
  });

  it('gives the same answers after a larger and a smaller image (buffers reused, not stale)', () => {
    const rng = seedrandom('reuse');
    const small = randomSamples(rng, 3, 9, 10, 4);
    const first = sampleStatistics(small, { T: 3, rows: 9, cols: 10, C: 4 });
    sampleStatistics(randomSamples(rng, 20, 64, 64, 4), { T: 20, rows: 64, cols: 64, C: 4 });
    const again = sampleStatistics(small, { T: 3, rows: 9, cols: 10, C: 4 });
    expect(again).toEqual(first);
  });

  it('is built from its committed source (npm run build:wasm)', () => {
    const root = path.resolve(__dirname, '../../..');
    expect(() =>
      execFileSync(process.execPath, [path.join(root, 'scripts/build-wasm.mjs'), '--check'], {
        cwd: root,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
