/**
 * One fused, cache-blocked pass over T posterior samples p_t (float32, C-order [T, H, W, C];
 * docs/design.md "Labels and arrays") that yields everything the uncertainty measures need:
 *   - p̄ = (1/T) Σ_t p_t per pixel and class, and its entropy H(p̄)     (predictive-entropy.ts)
 *   - (1/T) Σ_t H(p_t) per pixel, H(p) = −Σ_c p_c ln p_c, 0·ln 0 = 0,
 *     and MI = H(p̄) − (1/T) Σ_t H(p_t)                                 (mutual-information.ts)
 *   - S_t = argmax_c p_t (ties → lowest class), with per-(t, class) pixel counts and bounding
 *     boxes                                                             (within-sample.ts)
 * C = 4 (the ACDC labels) runs in WebAssembly SIMD (sample-pass-simd.ts); other class counts run
 * the scalar pass below, in pixel blocks so the p̄ accumulators of a block stay in L1 while all T
 * samples stream through it, with the logarithms of float32-log.ts.
 */
import { float32Bits, xLnXFloat32 } from './float32-log';
import { mutualInformationMap } from './mutual-information';
import { entropyMap } from './predictive-entropy';
import { type RawSampleStatistics, samplePassSimd } from './sample-pass-simd';

export interface SampleShape {
  /** Number of samples T. */
  T: number;
  /** H = NIfTI x. */
  rows: number;
  /** W = NIfTI y. */
  cols: number;
  /** Classes C (channel order; channel index = label value). */
  C: number;
}

export interface SampleStatistics {
  shape: SampleShape;
  /** p̄, rows·cols·C. */
  meanProbs: Float64Array;
  /** (1/T) Σ_t H(p_t) per pixel, nats. */
  meanSampleEntropy: Float64Array;
  /** H(p̄) per pixel in float64: the predictive-entropy map. */
  meanEntropy: Float64Array;
  /** MI = H(p̄) − (1/T) Σ_t H(p_t) per pixel, nats (mutual-information.ts). */
  miMap: Float64Array;
  /** S_t = argmax p_t, T·rows·cols. */
  sampleLabels: Uint8Array;
  /** |S_t = k| at t·C + k. */
  classCounts: Int32Array;
  /**
   * Bounding box of S_t = k at 4·(t·C + k): r0, r1, c0, c1 (r0 > r1 when absent). Tracked for
   * k ≥ 1 only; the background entries (k = 0) hold the whole image.
   */
  classBoxes: Int32Array;
}

const BLOCK = 512;

export function sampleStatistics(samples: Float32Array, shape: SampleShape): SampleStatistics {
  const { T, rows, cols, C } = shape;
  const pixels = rows * cols;
  if (samples.length !== T * pixels * C) {
    throw new RangeError(`samples has ${samples.length} values, expected T·H·W·C = ${T * pixels * C}`);
  }
  if (C > 255 || C < 1 || T < 1) throw new RangeError(`unsupported shape T=${T}, C=${C}`);
  const raw = C === 4 ? samplePassSimd(samples, T, rows, cols) : samplePassScalar(samples, shape);
  return {
    shape,
    meanProbs: raw.meanProbs,
    meanSampleEntropy: raw.meanSampleEntropy,
    meanEntropy: raw.meanEntropy,
    miMap: mutualInformationMap(raw, C),
    sampleLabels: raw.labels,
    classCounts: raw.counts,
    classBoxes: raw.boxes,
  };
}

/** Box update for label b ≠ 0 at (r, c); background boxes are not tracked (see classBoxes). */
function growBox(boxes: Int32Array, q: number, r: number, c: number): void {
  if (r < boxes[q]) boxes[q] = r;
  boxes[q + 1] = r;
  if (c < boxes[q + 2]) boxes[q + 2] = c;
  if (c > boxes[q + 3]) boxes[q + 3] = c;
}

function samplePassScalar(samples: Float32Array, shape: SampleShape): RawSampleStatistics {
  const { T, rows, cols, C } = shape;
  const pixels = rows * cols;
  const bits = float32Bits(samples);
  const sum = new Float64Array(pixels * C);
  const ent = new Float64Array(pixels);
  const labels = new Uint8Array(T * pixels);
  const counts = new Int32Array(T * C);
  const boxes = new Int32Array(T * C * 4);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < C; k++) {
      const q = 4 * (t * C + k);
      boxes[q] = k === 0 ? 0 : rows;
      boxes[q + 1] = k === 0 ? rows - 1 : -1;
      boxes[q + 2] = k === 0 ? 0 : cols;
      boxes[q + 3] = k === 0 ? cols - 1 : -1;
    }
  }
  for (let b0 = 0; b0 < pixels; b0 += BLOCK) {
    const b1 = Math.min(b0 + BLOCK, pixels);
    const rStart = Math.floor(b0 / cols);
    const cStart = b0 - rStart * cols;
    for (let t = 0; t < T; t++) {
      const lBase = t * pixels;
      const cBase = t * C;
      let r = rStart;
      let c = cStart;
      for (let i = b0; i < b1; i++) {
        const o = (lBase + i) * C;
        const m = i * C;
        let best = 0;
        let bestP = samples[o];
        let h = 0;
        for (let k = 0; k < C; k++) {
          const p = samples[o + k];
          sum[m + k] += p;
          if (p > bestP) {
            bestP = p;
            best = k;
          }
          h += xLnXFloat32(p, bits[o + k]);
        }
        ent[i] -= h;
        labels[lBase + i] = best;
        counts[cBase + best]++;
        if (best !== 0) growBox(boxes, (cBase + best) * 4, r, c);
        if (++c === cols) {
          c = 0;
          r++;
        }
      }
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] /= T;
  for (let i = 0; i < pixels; i++) ent[i] /= T;
  return {
    meanProbs: sum,
    meanSampleEntropy: ent,
    meanEntropy: entropyMap(sum, pixels, C),
    meanEntropyMatched: matchedEntropy(sum, pixels, C),
    labels,
    counts,
    boxes,
  };
}

/** meanEntropyMatched of the scalar pass: H of p̄ rounded to float32 by xLnXFloat32, as the samples (mutual-information.ts). */
function matchedEntropy(meanProbs: Float64Array, pixels: number, C: number): Float64Array {
  const out = new Float64Array(pixels);
  const value = new Float32Array(1);
  const bits = float32Bits(value);
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    let h = 0;
    for (let c = 0; c < C; c++) {
      value[0] = meanProbs[o + c];
      h += xLnXFloat32(value[0], bits[0]);
    }
    out[j] = -h;
  }
  return out;
}
