/**
 * One fused, cache-blocked pass over T posterior samples p_t (float32, C-order [T, H, W, C];
 * DESIGN.md "Labels and arrays") that yields everything the uncertainty measures need:
 *   - Σ_t p_t per pixel and class → p̄ = (1/T) Σ_t p_t                  (predictive-entropy.ts)
 *   - (1/T) Σ_t H(p_t) per pixel, H(p) = −Σ_c p_c ln p_c, 0·ln 0 = 0  (mutual-information.ts)
 *   - S_t = argmax_c p_t (ties → lowest class), with per-(t, class) pixel counts and bounding
 *     boxes                                                             (within-sample.ts)
 * Pixels are processed in blocks so the p̄ accumulators of a block stay in L1 while all T samples
 * stream through it; the logarithms use float32-log.ts.
 */
import { FLOAT32_LOG_TABLES, float32Bits } from './float32-log';

const { LN_M, SCALED_INV_M, EXPONENT_LN, SHIFT, LOW_MASK, TABLE_SIZE } = FLOAT32_LOG_TABLES;

/** Local copy of float32-log.ts xLnXFloat32 (see FLOAT32_LOG_TABLES for why). */
function xLnX(x: number, bits: number): number {
  const e = (bits >>> 23) & 255;
  const j = (bits >>> SHIFT) & (TABLE_SIZE - 1);
  const u = (bits & LOW_MASK) * SCALED_INV_M[j];
  return x * (EXPONENT_LN[e] + LN_M[j] + u * (1 - u * (0.5 - u * (1 / 3))));
}

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
  if (C === 4) accumulate4(samples, bits, T, rows, cols, sum, ent, labels, counts, boxes);
  else accumulateGeneric(samples, bits, T, rows, cols, C, sum, ent, labels, counts, boxes);
  for (let i = 0; i < sum.length; i++) sum[i] /= T;
  for (let i = 0; i < pixels; i++) ent[i] /= T;
  return { shape, meanProbs: sum, meanSampleEntropy: ent, sampleLabels: labels, classCounts: counts, classBoxes: boxes };
}

/** Box update for label b ≠ 0 at (r, c); background boxes are not tracked (see classBoxes). */
function growBox(boxes: Int32Array, q: number, r: number, c: number): void {
  if (r < boxes[q]) boxes[q] = r;
  boxes[q + 1] = r;
  if (c < boxes[q + 2]) boxes[q + 2] = c;
  if (c > boxes[q + 3]) boxes[q + 3] = c;
}

/** The common C = 4 case, unrolled. */
function accumulate4(
  samples: Float32Array,
  bits: Uint32Array,
  T: number,
  rows: number,
  cols: number,
  sum: Float64Array,
  ent: Float64Array,
  labels: Uint8Array,
  counts: Int32Array,
  boxes: Int32Array,
): void {
  const pixels = rows * cols;
  for (let b0 = 0; b0 < pixels; b0 += BLOCK) {
    const b1 = Math.min(b0 + BLOCK, pixels);
    const rStart = Math.floor(b0 / cols);
    const cStart = b0 - rStart * cols;
    for (let t = 0; t < T; t++) {
      const lBase = t * pixels;
      const cBase = t * 4;
      let r = rStart;
      let c = cStart;
      for (let i = b0, o = (lBase + b0) * 4; i < b1; i++, o += 4) {
        const m = i * 4;
        const p0 = samples[o];
        const p1 = samples[o + 1];
        const p2 = samples[o + 2];
        const p3 = samples[o + 3];
        sum[m] += p0;
        sum[m + 1] += p1;
        sum[m + 2] += p2;
        sum[m + 3] += p3;
        let best = 0;
        let bestP = p0;
        if (p1 > bestP) {
          bestP = p1;
          best = 1;
        }
        if (p2 > bestP) {
          bestP = p2;
          best = 2;
        }
        if (p3 > bestP) best = 3;
        ent[i] -= xLnX(p0, bits[o]) + xLnX(p1, bits[o + 1]) + xLnX(p2, bits[o + 2]) + xLnX(p3, bits[o + 3]);
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
}

function accumulateGeneric(
  samples: Float32Array,
  bits: Uint32Array,
  T: number,
  rows: number,
  cols: number,
  C: number,
  sum: Float64Array,
  ent: Float64Array,
  labels: Uint8Array,
  counts: Int32Array,
  boxes: Int32Array,
): void {
  const pixels = rows * cols;
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
          h += xLnX(p, bits[o + k]);
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
}
