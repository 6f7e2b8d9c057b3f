import seedrandom from 'seedrandom';
import { float32Bits, xLnXFloat32 } from '../../../src/engine/metrics/float32-log';
import { imageMean } from '../../../src/engine/metrics/predictive-entropy';
import { type SampleShape, sampleStatistics } from '../../../src/engine/metrics/sample-statistics';
import { randomSamples, refEntropy } from './brute-force';

// The maps as the pipeline computes them (one fused pass), and their image means.
const predictiveEntropyMap = (s: Float32Array, shape: SampleShape) => sampleStatistics(s, shape).meanEntropy;
const mutualInformationMap = (s: Float32Array, shape: SampleShape) => sampleStatistics(s, shape).miMap;
const predictiveEntropy = (s: Float32Array, shape: SampleShape) => imageMean(predictiveEntropyMap(s, shape));
const mutualInformation = (s: Float32Array, shape: SampleShape) => imageMean(mutualInformationMap(s, shape));

const shape1 = (T: number, C: number) => ({ T, rows: 1, cols: 1, C });

describe('mutual information and predictive entropy', () => {
  it('MI = ln 2 for two fully disagreeing one-hot samples, entropy ln 2', () => {
    const s = Float32Array.from([1, 0, 0, 1]);
    expect(mutualInformation(s, shape1(2, 2))).toBeCloseTo(Math.LN2, 12);
    expect(predictiveEntropy(s, shape1(2, 2))).toBeCloseTo(Math.LN2, 12);
  });

  it('MI = 0 and entropy 0 for agreeing one-hot samples', () => {
    const s = Float32Array.from([0, 1, 0, 0, 1, 0, 0, 1, 0]);
    expect(mutualInformation(s, shape1(3, 3))).toBe(0);
    expect(predictiveEntropy(s, shape1(3, 3))).toBe(0);
  });

  it('MI = 0 for identical soft samples (entropy only)', () => {
    const s = Float32Array.from([0.25, 0.25, 0.5, 0.25, 0.25, 0.5]);
    // H = −2·0.25 ln 0.25 − 0.5 ln 0.5 = 0.6931471806 + 0.3465735903 = 1.0397207708
    expect(predictiveEntropy(s, shape1(2, 3))).toBeCloseTo(1.0397207708, 9);
    expect(mutualInformation(s, shape1(2, 3))).toBeCloseTo(0, 12);
  });

  it('mixed example by hand', () => {
    // samples [0.9, 0.1] and [0.5, 0.5]: p̄ = [0.7, 0.3]
    // H(p̄) = 0.7·0.3566749439 + 0.3·1.2039728043 = 0.6108643021
    // H1 = 0.9·0.1053605157 + 0.1·2.3025850930 = 0.3250829734; H2 = ln 2 = 0.6931471806
    // MI = 0.6108643021 − (0.3250829734 + 0.6931471806)/2 = 0.1017492251
    const s = Float32Array.from([0.9, 0.1, 0.5, 0.5]);
    expect(predictiveEntropy(s, shape1(2, 2))).toBeCloseTo(0.6108643021, 6);
    expect(mutualInformation(s, shape1(2, 2))).toBeCloseTo(0.1017492251, 6);
  });

  it('pixel maps and image means match a Math.log reference (C = 4 SIMD, C = 3 and 2 scalar paths)', () => {
    const rng = seedrandom('mi');
    for (const C of [4, 3, 2]) {
      const T = 7;
      const rows = 5;
      const cols = 6;
      const s = randomSamples(rng, T, rows, cols, C);
      const shape = { T, rows, cols, C };
      const hMap = predictiveEntropyMap(s, shape);
      const miMap = mutualInformationMap(s, shape);
      let hMean = 0;
      let miMean = 0;
      for (let j = 0; j < rows * cols; j++) {
        const mean = new Float64Array(C);
        let hs = 0;
        for (let t = 0; t < T; t++) {
          const p = s.subarray((t * rows * cols + j) * C, (t * rows * cols + j + 1) * C);
          for (let c = 0; c < C; c++) mean[c] += p[c] / T;
          hs += refEntropy(p) / T;
        }
        const h = refEntropy(mean);
        expect(hMap[j]).toBeCloseTo(h, 10);
        // the SIMD pass forms each sample's x·ln x in float32 (sample-pass-simd.ts)
        expect(Math.abs(miMap[j] - (h - hs))).toBeLessThan(C === 4 ? 1e-7 : 5e-11);
        hMean += h / (rows * cols);
        miMean += (h - hs) / (rows * cols);
      }
      expect(predictiveEntropy(s, shape)).toBeCloseTo(hMean, 10);
      expect(Math.abs(mutualInformation(s, shape) - miMean)).toBeLessThan(C === 4 ? 1e-9 : 5e-11);
    }
  });

  it('MI is 0 for a deterministic model: agreeing samples cancel exactly (C = 4 SIMD and C = 3)', () => {
    const rng = seedrandom('agree');
    for (const C of [4, 3]) {
      const one = randomSamples(rng, 1, 9, 7, C);
      expect(mutualInformationMap(one, { T: 1, rows: 9, cols: 7, C }).every((v) => v === 0)).toBe(true);
      const repeated = new Float32Array(one.length * 50);
      for (let t = 0; t < 50; t++) repeated.set(one, t * one.length);
      const mi = mutualInformationMap(repeated, { T: 50, rows: 9, cols: 7, C });
      expect(Math.max(...mi.map(Math.abs))).toBeLessThan(1e-14); // the mean of 50 equal terms rounds
    }
  });

  it('sample statistics: argmax with ties to the lowest class, counts and boxes', () => {
    // T = 2, 1×3 image, C = 3
    // t0: [.2,.5,.3] → 1, [.4,.4,.2] → 0 (tie), [0,.5,.5] → 1 (tie)
    // t1: [0,0,1] → 2, [.1,.8,.1] → 1, [.3,.3,.4] → 2
    const s = Float32Array.from([0.2, 0.5, 0.3, 0.4, 0.4, 0.2, 0, 0.5, 0.5, 0, 0, 1, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4]);
    const st = sampleStatistics(s, { T: 2, rows: 1, cols: 3, C: 3 });
    expect(Array.from(st.sampleLabels)).toEqual([1, 0, 1, 2, 1, 2]);
    expect(Array.from(st.classCounts)).toEqual([1, 2, 0, 0, 1, 2]);
    // box of (t0, class 1): rows 0..0, cols 0..2; (t1, class 2): cols 0..2; (t0, class 2): empty
    expect(Array.from(st.classBoxes.subarray(4 * 1, 4 * 1 + 4))).toEqual([0, 0, 0, 2]);
    expect(Array.from(st.classBoxes.subarray(4 * 5, 4 * 5 + 4))).toEqual([0, 0, 0, 2]);
    expect(st.classBoxes[4 * 2 + 1]).toBe(-1);
    expect(st.meanProbs[3 * 1 + 1]).toBeCloseTo((0.4 + 0.8) / 2, 7);
  });
});

describe('float32 x·ln x of the scalar pass', () => {
  it('agrees with Math.log to 1e-12 across the float32 range, 0 at 0 and 1', () => {
    const rng = seedrandom('ln');
    const v = new Float32Array(200000);
    for (let i = 0; i < v.length; i++) v[i] = Math.exp(-rng() * 80);
    v[0] = 1;
    v[1] = 0.5;
    v[2] = 1e-40; // subnormal
    const bits = float32Bits(v);
    let worstTerm = 0;
    for (let i = 0; i < v.length; i++)
      worstTerm = Math.max(worstTerm, Math.abs(xLnXFloat32(v[i], bits[i]) - v[i] * Math.log(v[i])));
    expect(worstTerm).toBeLessThan(1e-12);
    expect(Math.abs(xLnXFloat32(0, 0))).toBe(0);
    expect(Math.abs(xLnXFloat32(1, bits[0]))).toBe(0);
    expect(xLnXFloat32(0.5, bits[1])).toBe(-0.5 * Math.LN2);
  });
});
