/**
 * Predictive entropy (paper "Algorithm Evaluation", pixelwise uncertainty measures; docs/design.md
 * "Definitions"): with p̄ = (1/T) Σ_t p_t the mean of the T softmax samples,
 *
 *   H_j = −Σ_c p̄_j,c ln p̄_j,c   (nats, 0·ln 0 = 0, float64)     image level: mean over all pixels j.
 *
 * The map is SampleStatistics.meanEntropy (sample-statistics.ts): `entropyMap` for any class
 * count, the SIMD kernel's float64 logarithm for C = 4 (wasm/sample-pass.ts, equal to Math.log to
 * rounding). Arrays are pixel-major with C classes per pixel.
 */

/** Per-pixel entropy −Σ_c p_c ln p_c of `pixels` probability vectors of length C (Math.log). */
export function entropyMap(
  probs: ArrayLike<number>,
  pixels: number,
  C: number,
  out: Float64Array = new Float64Array(pixels),
): Float64Array {
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    let h = 0;
    for (let c = 0; c < C; c++) {
      const p = probs[o + c];
      if (p > 0) h -= p * Math.log(p);
    }
    out[j] = h;
  }
  return out;
}

/** Image level of a per-pixel map (entropy or MI): the mean over all pixels. */
export function imageMean(map: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < map.length; j++) s += map[j];
  return s / map.length;
}
