/**
 * Separable Gaussian blur of a row-major image (edges replicated). Used as the "blur" distortion
 * (σ 1, 2, 3, 4 px; docs/design.md "Distortions") and, with σ < 1, as the phantom's slight blur.
 * Kernel: w_k ∝ exp(−k² / 2σ²) for |k| ≤ ⌈3σ⌉, normalised to sum 1, so a constant image is
 * unchanged and the mean is preserved up to edge effects.
 */

/** Blur levels in px for distortion levels 1..4. */
export const BLUR_SIGMAS_PX = [1, 2, 3, 4] as const;

export function gaussianKernel(sigmaPx: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigmaPx));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(-(i * i) / (2 * sigmaPx * sigmaPx));
    k[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Blurred copy of `image` (rows × cols, row-major). σ ≤ 0 returns an unchanged copy. */
export function gaussianBlur(image: Float32Array, rows: number, cols: number, sigmaPx: number): Float32Array {
  if (!(sigmaPx > 0)) return image.slice();
  const k = gaussianKernel(sigmaPx);
  const radius = (k.length - 1) / 2;
  const tmp = new Float32Array(rows * cols);
  const out = new Float32Array(rows * cols);
  convolve1d(image, tmp, rows, cols, 1, cols, k, radius); // along columns, within each row
  // along rows: accumulate whole shifted rows (contiguous memory access)
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let q = 0; q < k.length; q++) {
      let ii = i + q - radius;
      ii = ii < 0 ? 0 : ii >= rows ? rows - 1 : ii;
      const w = k[q];
      const src = ii * cols;
      for (let j = 0; j < cols; j++) out[o + j] += w * tmp[src + j];
    }
  }
  return out;
}

/**
 * 1-D convolution of `lines` lines of `len` samples; sample t of line l is at l * lineStride +
 * t * step. Edges replicated; the interior runs without bounds checks.
 */
function convolve1d(
  src: Float32Array,
  dst: Float32Array,
  lines: number,
  len: number,
  step: number,
  lineStride: number,
  k: Float64Array,
  radius: number,
): void {
  const taps = k.length;
  for (let l = 0; l < lines; l++) {
    const base = l * lineStride;
    for (let t = 0; t < len; t++) {
      let acc = 0;
      if (t >= radius && t + radius < len) {
        let o = base + (t - radius) * step;
        for (let q = 0; q < taps; q++, o += step) acc += k[q] * src[o];
      } else {
        for (let q = 0; q < taps; q++) {
          let tt = t + q - radius;
          tt = tt < 0 ? 0 : tt >= len ? len - 1 : tt;
          acc += k[q] * src[base + tt * step];
        }
      }
      dst[base + t * step] = acc;
    }
  }
}
