/**
 * AssemblyScript source of the WebAssembly SIMD kernel behind src/engine/metrics/sample-statistics.ts
 * (C = 4 classes). Build: `npm run build:wasm` writes src/engine/metrics/sample-pass-wasm.ts;
 * test/engine/metrics/sample-pass-wasm.test.ts checks the committed module is this source's build.
 *
 * Written by hand because the pass is the hot spot of the uncertainty measures (T·H·W·C = 5.12 M
 * values per 160×160 image at T = 50) and no library computes x·ln x, argmax and per-pixel sums over
 * float32 samples in one SIMD pass.
 *
 * Memory is laid out by the caller (src/engine/metrics/sample-pass-simd.ts); every pointer is 16-byte aligned.
 * Per pixel block of 4·G pixels, samples are copied in as [T][4·G][4] float32. For each t:
 *   sums[pixel][class] (f64)   += p_t                          → p̄ = sums / T at the end
 *   entropy[pixel] (f64)       += −Σ_c p_c ln p_c               → (1/T) Σ_t H(p_t) at the end
 *   labels[t·stride + pixel]    = argmax_c p_c (ties → lowest)  → S_t
 *   meanEntropy[pixel] (f64)     = H(p̄) in float64 (xLnX64), at the end
 * x·ln x: x = 2^e·m with m ∈ [√½, √2); ln x = e·ln 2 + ln m, ln m = 2·atanh(s), s = (m−1)/(m+1),
 * |s| ≤ 0.1716 (lnMantissa). Σ_c x_c·ln m_c and Σ_c x_c·e_c are float32 arithmetic (exact for
 * dyadic x such as 0, ½, 1); ln 2 and the accumulation over t are float64.
 */

// @ts-nocheck — AssemblyScript types (v128, f32x4, usize, …)

/** First free byte after the module's own data; the caller's buffers start here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

export function accumulateBlock(
  input: usize,
  groups: i32,
  T: i32,
  sums: usize,
  entropy: usize,
  labels: usize,
  labelStride: i32,
  meanEntropy: usize,
): void {
  for (let t = 0; t < T; t++) {
    let src = input + <usize>(t * groups) * 64;
    let sumAt = sums;
    let entAt = entropy;
    let labelAt = labels + <usize>(t * labelStride);
    for (let g = 0; g < groups; g++) {
      const a = v128.load(src);
      const b = v128.load(src, 16);
      const c = v128.load(src, 32);
      const d = v128.load(src, 48);
      src += 64;

      // p̄ sums, pixel-major like the output
      v128.store(sumAt, f64x2.add(v128.load(sumAt), f64x2.promote_low_f32x4(a)));
      v128.store(sumAt, f64x2.add(v128.load(sumAt, 16), f64x2.promote_low_f32x4(i64x2.shuffle(a, a, 1, 1))), 16);
      v128.store(sumAt, f64x2.add(v128.load(sumAt, 32), f64x2.promote_low_f32x4(b)), 32);
      v128.store(sumAt, f64x2.add(v128.load(sumAt, 48), f64x2.promote_low_f32x4(i64x2.shuffle(b, b, 1, 1))), 48);
      v128.store(sumAt, f64x2.add(v128.load(sumAt, 64), f64x2.promote_low_f32x4(c)), 64);
      v128.store(sumAt, f64x2.add(v128.load(sumAt, 80), f64x2.promote_low_f32x4(i64x2.shuffle(c, c, 1, 1))), 80);
      v128.store(sumAt, f64x2.add(v128.load(sumAt, 96), f64x2.promote_low_f32x4(d)), 96);
      v128.store(sumAt, f64x2.add(v128.load(sumAt, 112), f64x2.promote_low_f32x4(i64x2.shuffle(d, d, 1, 1))), 112);
      sumAt += 128;

      const x0 = classLane(a, b, c, d, 0);
      const x1 = classLane(a, b, c, d, 1);
      const x2 = classLane(a, b, c, d, 2);
      const x3 = classLane(a, b, c, d, 3);

      // argmax, ties → lowest class: the first k with x_k = max
      const max = f32x4.pmax(f32x4.pmax(x0, x1), f32x4.pmax(x2, x3));
      const not0 = f32x4.ne(x0, max);
      const not01 = v128.andnot(not0, f32x4.eq(x1, max));
      const not012 = v128.andnot(not01, f32x4.eq(x2, max));
      const best = i32x4.neg(i32x4.add(i32x4.add(not0, not01), not012));
      const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(best, best), best);
      v128.store32_lane(labelAt, bytes, 0);
      labelAt += 4;

      subtractEntropy(entAt, x0, x1, x2, x3);
      entAt += 32;
    }
  }
  // The block's pixels are complete: sums → p̄ and entropy sums → means.
  const count = f64x2.splat(<f64>T);
  for (let at = sums, end = sums + <usize>groups * 128; at < end; at += 16) v128.store(at, f64x2.div(v128.load(at), count));
  for (let at = entropy, end = entropy + <usize>groups * 32; at < end; at += 16) v128.store(at, f64x2.div(v128.load(at), count));
  // H(p̄) in float64, while p̄ is in cache.
  for (let pixel = 0; pixel < groups * 4; pixel++) {
    const at = sums + <usize>pixel * 32;
    const h = f64x2.add(xLnX64(v128.load(at)), xLnX64(v128.load(at, 16)));
    store<f64>(meanEntropy + <usize>pixel * 8, -(f64x2.extract_lane(h, 0) + f64x2.extract_lane(h, 1)));
  }
}

/**
 * x·ln x in float64 for the two lanes of x (0 ≤ x ≤ 1; 0 for x = 0): the range reduction of
 * binaryExponentBits on the float64 bits, then ln m = 2·atanh(s) by its Taylor series to s²¹
 * (|s| ≤ 0.1716: truncation < 5e-17 relative).
 */
// @ts-ignore: decorator
@inline function xLnX64(x: v128): v128 {
  const e = i64x2.shr_s(i64x2.sub(x, i64x2.splat(0x3fe6a09e667f3bcd)), 52);
  const m = i64x2.sub(x, i64x2.shl(e, 52));
  const s = f64x2.div(f64x2.sub(m, f64x2.splat(1)), f64x2.add(m, f64x2.splat(1)));
  const z = f64x2.mul(s, s);
  let poly = f64x2.splat(2.0 / 21.0);
  poly = f64x2.add(f64x2.splat(2.0 / 19.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 17.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 15.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 13.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 11.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 9.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 7.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 5.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0 / 3.0), f64x2.mul(z, poly));
  poly = f64x2.add(f64x2.splat(2.0), f64x2.mul(z, poly));
  // e fits in 32 bits: lanes 0 and 2 of the i32 view
  const e32 = i32x4.shuffle(e, e, 0, 2, 0, 2);
  const ln = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(e32), f64x2.splat(0.6931471805599453)), f64x2.mul(s, poly));
  return f64x2.mul(x, ln);
}

/**
 * H(p) for four pixels whose class k values are the lanes of x_k: Σ_c x_c·ln m_c and Σ_c x_c·e_c in
 * float32, combined with ln 2 in float64 and subtracted from the two f64x2 at `at`.
 */
// @ts-ignore: decorator
@inline function subtractEntropy(at: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const lnPart = f32x4.add(
    f32x4.add(f32x4.mul(x0, lnMantissa(x0)), f32x4.mul(x1, lnMantissa(x1))),
    f32x4.add(f32x4.mul(x2, lnMantissa(x2)), f32x4.mul(x3, lnMantissa(x3))),
  );
  const expPart = f32x4.add(
    f32x4.add(f32x4.mul(x0, binaryExponent(x0)), f32x4.mul(x1, binaryExponent(x1))),
    f32x4.add(f32x4.mul(x2, binaryExponent(x2)), f32x4.mul(x3, binaryExponent(x3))),
  );
  const ln2 = f64x2.splat(0.6931471805599453);
  const lnLow = f64x2.promote_low_f32x4(lnPart);
  const lnHigh = f64x2.promote_low_f32x4(i64x2.shuffle(lnPart, lnPart, 1, 1));
  const expLow = f64x2.promote_low_f32x4(expPart);
  const expHigh = f64x2.promote_low_f32x4(i64x2.shuffle(expPart, expPart, 1, 1));
  v128.store(at, f64x2.sub(v128.load(at), f64x2.add(f64x2.mul(expLow, ln2), lnLow)));
  v128.store(at, f64x2.sub(v128.load(at, 16), f64x2.add(f64x2.mul(expHigh, ln2), lnHigh)), 16);
}

/** Class k of four pixels from their class vectors a, b, c, d (one column of the 4×4 transpose). */
// @ts-ignore: decorator
@inline function classLane(a: v128, b: v128, c: v128, d: v128, k: i32): v128 {
  const low = k < 2;
  const ab = low ? i32x4.shuffle(a, b, 0, 4, 1, 5) : i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd = low ? i32x4.shuffle(c, d, 0, 4, 1, 5) : i32x4.shuffle(c, d, 2, 6, 3, 7);
  return (k & 1) == 0 ? i64x2.shuffle(ab, cd, 0, 2) : i64x2.shuffle(ab, cd, 1, 3);
}

/**
 * H(p) per pixel, by exactly the arithmetic of accumulateBlock, for `groups`·4 pixels of 4 float32
 * class values each (the float32 p̄, so that MI = H(p̄) − mean_t H(p_t) cancels exactly when the
 * samples agree). Writes float64 entropies to `out`.
 */
export function pixelEntropy(input: usize, groups: i32, out: usize): void {
  for (let g = 0; g < groups; g++) {
    const src = input + <usize>g * 64;
    const a = v128.load(src);
    const b = v128.load(src, 16);
    const c = v128.load(src, 32);
    const d = v128.load(src, 48);
    const at = out + <usize>g * 32;
    v128.store(at, f64x2.splat(0));
    v128.store(at, f64x2.splat(0), 16);
    subtractEntropy(at, classLane(a, b, c, d, 0), classLane(a, b, c, d, 1), classLane(a, b, c, d, 2), classLane(a, b, c, d, 3));
  }
}

/**
 * Range reduction x = 2^e·m with m ∈ [√½, √2) on the IEEE-754 bits: subtracting the bits of √½
 * makes the exponent field of the difference e (arithmetic shift), and removing e from the exponent
 * field leaves m. Zero and subnormals give e = −127 and m ∈ [1, √2), harmless as x·ln x → 0 there.
 */
// @ts-ignore: decorator
@inline function binaryExponentBits(x: v128): v128 {
  return i32x4.shr_s(i32x4.sub(x, i32x4.splat(0x3f3504f3)), 23);
}

// @ts-ignore: decorator
@inline function reducedMantissa(x: v128): v128 {
  return i32x4.sub(x, i32x4.shl(binaryExponentBits(x), 23));
}

/** e as float32 lanes. */
// @ts-ignore: decorator
@inline function binaryExponent(x: v128): v128 {
  return f32x4.convert_i32x4_s(binaryExponentBits(x));
}

/**
 * ln m = 2·atanh(s) = s·g(s²), s = (m − 1)/(m + 1), |s| ≤ 0.1716 (s² ≤ 0.0295): g is the Taylor
 * series 2 + 2z/3 + 2z²/5 + … replaced by a cubic fitted for least maximum relative error on
 * [0, 0.0295] (iteratively reweighted least squares; |relative error| < 7e-10, below float32's 6e-8).
 */
// @ts-ignore: decorator
@inline function lnMantissa(x: v128): v128 {
  const m = reducedMantissa(x);
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const z = f32x4.mul(s, s);
  let poly = f32x4.add(f32x4.splat(0.39974795), f32x4.mul(z, f32x4.splat(0.2992565)));
  poly = f32x4.add(f32x4.splat(0.66666816), f32x4.mul(z, poly));
  poly = f32x4.add(f32x4.splat(2), f32x4.mul(z, poly));
  return f32x4.mul(s, poly);
}

// @ts-ignore: decorator
@inline function horizontalSum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/**
 * Per S_t: which classes (< 8) occur in each row and each column, as bit masks — rowMasks[t·rows + r]
 * and colMasks[t·cols + c] get bit k when S_t = k there (colMasks must be zero) — and
 * counts[t·4 + k] = |{S_t = k}| for k = 1, 2, 3. Rows of at most 255·16 pixels (byte counters).
 */
export function labelSummary(
  labels: usize,
  T: i32,
  rows: i32,
  cols: i32,
  labelStride: i32,
  rowMasks: usize,
  colMasks: usize,
  counts: usize,
): void {
  const bit = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
  const k1 = i8x16.splat(1);
  const k2 = i8x16.splat(2);
  const k3 = i8x16.splat(3);
  for (let t = 0; t < T; t++) {
    const colAt = colMasks + <usize>(t * cols);
    let total1 = i32x4.splat(0);
    let total2 = i32x4.splat(0);
    let total3 = i32x4.splat(0);
    let tail1 = 0;
    let tail2 = 0;
    let tail3 = 0;
    for (let r = 0; r < rows; r++) {
      const rowAt = labels + <usize>(t * labelStride + r * cols);
      let present = i32x4.splat(0);
      let n1 = i32x4.splat(0);
      let n2 = i32x4.splat(0);
      let n3 = i32x4.splat(0);
      let c = 0;
      for (; c + 16 <= cols; c += 16) {
        const v = v128.load(rowAt + <usize>c);
        const b = i8x16.swizzle(bit, v);
        present = v128.or(present, b);
        v128.store(colAt + <usize>c, v128.or(v128.load(colAt + <usize>c), b));
        n1 = i8x16.sub(n1, i8x16.eq(v, k1));
        n2 = i8x16.sub(n2, i8x16.eq(v, k2));
        n3 = i8x16.sub(n3, i8x16.eq(v, k3));
      }
      total1 = i32x4.add(total1, widenCounts(n1));
      total2 = i32x4.add(total2, widenCounts(n2));
      total3 = i32x4.add(total3, widenCounts(n3));
      present = v128.or(present, i64x2.shuffle(present, present, 1, 0));
      present = v128.or(present, i32x4.shuffle(present, present, 1, 0, 3, 2));
      present = v128.or(present, i16x8.shuffle(present, present, 1, 0, 3, 2, 5, 4, 7, 6));
      present = v128.or(present, i8x16.shuffle(present, present, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
      let mask = <u32>i8x16.extract_lane_u(present, 0);
      for (; c < cols; c++) {
        const label = load<u8>(rowAt + <usize>c);
        const b = <u8>(1 << label);
        mask |= b;
        store<u8>(colAt + <usize>c, load<u8>(colAt + <usize>c) | b);
        tail1 += i32(label == 1);
        tail2 += i32(label == 2);
        tail3 += i32(label == 3);
      }
      store<u8>(rowMasks + <usize>(t * rows + r), <u8>mask);
    }
    const at = counts + <usize>(t * 16);
    store<i32>(at, horizontalSum(total1) + tail1, 4);
    store<i32>(at, horizontalSum(total2) + tail2, 8);
    store<i32>(at, horizontalSum(total3) + tail3, 12);
  }
}

/** Byte counters (≤ 255 each) summed into four 32-bit lanes. */
// @ts-ignore: decorator
@inline function widenCounts(v: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(v));
}
