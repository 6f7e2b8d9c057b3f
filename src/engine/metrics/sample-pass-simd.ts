/**
 * The sample pass of sample-statistics.ts for C = 4 classes in WebAssembly SIMD (kernel source and
 * the definition of each accumulator: wasm/sample-pass.ts). Pixels go through in blocks: the
 * T slabs of a block are copied into the module's memory (≈ 8 KiB each, so they stay in cache for
 * the kernel), the per-pixel sums stay in the module until the end, and the bounding boxes of S_t
 * come from per-row and per-column class masks.
 *
 * Arithmetic: p̄ sums and the entropy accumulators are float64 as in the scalar pass (p̄ is the same
 * to the last bit); each sample's Σ_c x·ln x is float32 arithmetic: |error| < 1e-7 per pixel and
 * < 1e-9 on image means (pinned by the tests; measured ≤ 6e-8 and 2e-10), inside the 1e-6 contract
 * of docs/design.md "Definitions" — the precision a float32 NumPy computation of the same samples has. Where the samples
 * agree, the H(p̄) that MI subtracts them from goes through the same kernel arithmetic, so MI is 0
 * there (meanEntropyMatched).
 */
import { SAMPLE_PASS_WASM_BASE64 } from './sample-pass-wasm';

interface SamplePassExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  accumulateBlock(
    input: number,
    groups: number,
    T: number,
    sums: number,
    entropy: number,
    labels: number,
    labelStride: number,
    meanEntropy: number,
  ): void;
  pixelEntropy(input: number, groups: number, out: number): void;
  labelSummary(
    labels: number,
    T: number,
    rows: number,
    cols: number,
    labelStride: number,
    rowMasks: number,
    colMasks: number,
    counts: number,
  ): void;
}

export interface RawSampleStatistics {
  /** p̄ = (1/T) Σ_t p_t, rows·cols·C. */
  meanProbs: Float64Array;
  /** (1/T) Σ_t H(p_t) per pixel. */
  meanSampleEntropy: Float64Array;
  /** H(p̄) per pixel in float64. */
  meanEntropy: Float64Array;
  /**
   * H(p̄) per pixel from p̄ rounded to float32, by the same x·ln x as meanSampleEntropy: equal to
   * a sample's own entropy where p̄ is that float32 sample (mutual-information.ts).
   */
  meanEntropyMatched: Float64Array;
  labels: Uint8Array;
  counts: Int32Array;
  boxes: Int32Array;
}

const C = 4;
/** Pixels per block: T·BLOCK·16 bytes of samples (400 KiB at T = 50) stay in L2 for the kernel. */
const BLOCK = 512;

let kernel: SamplePassExports | undefined;

function samplePassKernel(): SamplePassExports {
  if (!kernel) {
    const bytes = Uint8Array.from(atob(SAMPLE_PASS_WASM_BASE64), (ch) => ch.charCodeAt(0));
    kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as SamplePassExports;
  }
  return kernel;
}

const align16 = (n: number) => (n + 15) & ~15;

/** Byte offsets of the kernel's buffers for one call. */
function layout(base: number, T: number, rows: number, cols: number) {
  const paddedPixels = align16(rows * cols); // a multiple of 4 keeps each label row 4-byte aligned
  const input = align16(base);
  const sums = align16(input + T * BLOCK * C * 4);
  const entropy = align16(sums + paddedPixels * C * 8);
  const labels = align16(entropy + paddedPixels * 8);
  const counts = align16(labels + T * paddedPixels);
  const rowMasks = align16(counts + T * C * 4);
  const colMasks = align16(rowMasks + T * rows);
  const meanInput = align16(colMasks + T * cols);
  const meanEntropy = align16(meanInput + paddedPixels * C * 4);
  const meanEntropy64 = align16(meanEntropy + paddedPixels * 8);
  const end = meanEntropy64 + paddedPixels * 8;
  return {
    paddedPixels,
    input,
    sums,
    entropy,
    labels,
    counts,
    rowMasks,
    colMasks,
    meanInput,
    meanEntropy,
    meanEntropy64,
    end,
  };
}

export function samplePassSimd(samples: Float32Array, T: number, rows: number, cols: number): RawSampleStatistics {
  const k = samplePassKernel();
  const pixels = rows * cols;
  const at = layout(k.heapBase(), T, rows, cols);
  const missing = at.end - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  const buffer = k.memory.buffer;
  const bytes = new Uint8Array(buffer);
  bytes.fill(0, at.sums, at.labels);
  bytes.fill(0, at.colMasks, at.meanInput);
  const f32 = new Float32Array(buffer);

  for (let b0 = 0; b0 < pixels; b0 += BLOCK) {
    const n = Math.min(BLOCK, pixels - b0);
    const groups = Math.ceil(n / 4);
    for (let t = 0; t < T; t++) {
      const to = at.input / 4 + t * groups * 16;
      f32.set(samples.subarray((t * pixels + b0) * C, (t * pixels + b0 + n) * C), to);
      f32.fill(0, to + n * C, to + groups * 16); // padding pixels: all-zero, class 0, no entropy
    }
    k.accumulateBlock(
      at.input,
      groups,
      T,
      at.sums + b0 * C * 8,
      at.entropy + b0 * 8,
      at.labels + b0,
      at.paddedPixels,
      at.meanEntropy64 + b0 * 8,
    );
  }
  k.labelSummary(at.labels, T, rows, cols, at.paddedPixels, at.rowMasks, at.colMasks, at.counts);

  const meanProbs = new Float64Array(buffer, at.sums, pixels * C).slice();
  const meanF32 = new Float32Array(buffer, at.meanInput, at.paddedPixels * C);
  meanF32.set(meanProbs);
  meanF32.fill(0, pixels * C);
  k.pixelEntropy(at.meanInput, at.paddedPixels / 4, at.meanEntropy);

  const labels = new Uint8Array(T * pixels);
  for (let t = 0; t < T; t++)
    labels.set(bytes.subarray(at.labels + t * at.paddedPixels, at.labels + t * at.paddedPixels + pixels), t * pixels);
  const counts = new Int32Array(buffer, at.counts, T * C).slice();
  for (let t = 0; t < T; t++) counts[t * C] = pixels - counts[t * C + 1] - counts[t * C + 2] - counts[t * C + 3];
  return {
    meanProbs,
    meanSampleEntropy: new Float64Array(buffer, at.entropy, pixels).slice(),
    meanEntropy: new Float64Array(buffer, at.meanEntropy64, pixels).slice(),
    meanEntropyMatched: new Float64Array(buffer, at.meanEntropy, pixels).slice(),
    labels,
    counts,
    boxes: boxesFromMasks(
      bytes.subarray(at.rowMasks, at.rowMasks + T * rows),
      bytes.subarray(at.colMasks, at.end),
      T,
      rows,
      cols,
    ),
  };
}

/** classBoxes of sample-statistics.ts from the row and column class masks of each S_t. */
function boxesFromMasks(rowMasks: Uint8Array, colMasks: Uint8Array, T: number, rows: number, cols: number): Int32Array {
  const boxes = new Int32Array(T * C * 4);
  for (let t = 0; t < T; t++) {
    const q0 = 4 * t * C;
    boxes.set([0, rows - 1, 0, cols - 1], q0);
    for (let cls = 1; cls < C; cls++) {
      writeSpan(rowMasks, t * rows, rows, 1 << cls, boxes, q0 + 4 * cls);
      writeSpan(colMasks, t * cols, cols, 1 << cls, boxes, q0 + 4 * cls + 2);
    }
  }
  return boxes;
}

/** First and last i < n with `bit` set in masks[offset + i], into out[q] and out[q + 1] (n and −1 when none). */
function writeSpan(masks: Uint8Array, offset: number, n: number, bit: number, out: Int32Array, q: number): void {
  let first = n;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if ((masks[offset + i] & bit) === 0) continue;
    if (first === n) first = i;
    last = i;
  }
  out[q] = first;
  out[q + 1] = last;
}
