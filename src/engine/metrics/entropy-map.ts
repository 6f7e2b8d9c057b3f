/**
 * Entropy per pixel, H = −Σ_c p_c ln p_c in nats with 0·ln 0 = 0 (docs/design.md "Definitions"), of
 * pixel-major probability vectors in float64 (Math.log), and the image mean of a per-pixel map.
 */

/** Per-pixel entropy −Σ_c p_c ln p_c of `pixels` probability vectors of length C. */
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

/** Mean of a per-pixel map. */
export function imageMean(map: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < map.length; j++) s += map[j];
  return s / map.length;
}
