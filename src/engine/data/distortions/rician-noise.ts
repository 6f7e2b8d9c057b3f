/**
 * Rician noise distortion (docs/design.md "Distortions"; paper: σ 0.05–0.10): the slice is scaled to
 * [0, 1] by its own min and max, each pixel becomes |x + σ(n₁ + i n₂)| with n₁, n₂ ~ N(0, 1), and the
 * result is scaled back to the original intensity range. On bright tissue this is ≈ Gaussian with
 * std σ; on zero signal it is Rayleigh with mean σ√(π/2).
 */
import type { Rng } from '../../random';

/** σ for distortion levels 1..4, on [0, 1] intensities. */
export const NOISE_SIGMAS = [0.05, 0.07, 0.08, 0.1] as const;

const { sqrt, log, cos, sin } = Math;

export function ricianNoise(image: Float32Array, sigma: number, rng: Rng): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < image.length; k++) {
    if (image[k] < lo) lo = image[k];
    if (image[k] > hi) hi = image[k];
  }
  const span = hi > lo ? hi - lo : 1;
  const out = new Float32Array(image.length);
  const twoPi = 2 * Math.PI;
  for (let k = 0; k < image.length; k++) {
    const radius = sigma * sqrt(-2 * log(1 - rng.uniform()));
    const angle = twoPi * rng.uniform();
    const re = (image[k] - lo) / span + radius * cos(angle);
    const im = radius * sin(angle);
    out[k] = sqrt(re * re + im * im) * span + lo;
  }
  return out;
}
