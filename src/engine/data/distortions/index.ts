/**
 * Distortions for the uncertainty study (docs/design.md "Distortions"; never used in training): Rician
 * noise, Gaussian blur and a heart-centred stretch, four increasing levels each; level 0 (or kind
 * NONE) is the identity. Seeded: the same (slice, distortion, seed) always gives the same bytes.
 */
import { InvalidInputError } from '../../errors';
import { createRng } from '../../random';
import type { Slice2D } from '../types';
import { BLUR_SIGMAS_PX, gaussianBlur } from './gaussian-blur';
import { NOISE_SIGMAS, ricianNoise } from './rician-noise';
import { STRETCH_MAGNITUDES, stretch } from './stretch';

export type DistortionKind = 'NONE' | 'NOISE' | 'BLUR' | 'STRETCH';
export const DISTORTION_KINDS: readonly DistortionKind[] = ['NONE', 'NOISE', 'BLUR', 'STRETCH'];

export interface Distortion {
  kind: DistortionKind;
  /** 0 (none) .. 4 (strongest). */
  level: number;
}

/**
 * Parameter of levels 1..4 per kind: NOISE σ on [0, 1] intensities, BLUR σ in px, STRETCH relative
 * stretch magnitude.
 */
export const DISTORTION_LEVELS: Readonly<Record<Exclude<DistortionKind, 'NONE'>, readonly number[]>> = Object.freeze({
  NOISE: NOISE_SIGMAS,
  BLUR: BLUR_SIGMAS_PX,
  STRETCH: STRETCH_MAGNITUDES,
});

export function applyDistortion<T extends Slice2D>(slice: T, distortion: Distortion, seed: number | string): T {
  const { kind, level } = distortion;
  if (!DISTORTION_KINDS.includes(kind)) {
    throw new InvalidInputError('BAD_ARGUMENT', `unknown distortion kind ${String(kind)}`);
  }
  if (!Number.isInteger(level) || level < 0 || level > 4) {
    throw new InvalidInputError('BAD_ARGUMENT', `distortion level must be an integer 0..4, got ${level}`);
  }
  if (kind === 'NONE' || level === 0) return { ...slice, image: slice.image.slice(), label: slice.label.slice() };
  const value = DISTORTION_LEVELS[kind][level - 1];
  const rng = createRng(seed, 'distortion', kind, level);
  switch (kind) {
    case 'NOISE':
      return { ...slice, image: ricianNoise(slice.image, value, rng), label: slice.label.slice() };
    case 'BLUR':
      return { ...slice, image: gaussianBlur(slice.image, slice.rows, slice.cols, value), label: slice.label.slice() };
    case 'STRETCH': {
      const out = stretch(slice.image, slice.label, slice.rows, slice.cols, slice.spacingMm, value, rng);
      return { ...slice, image: out.image, label: out.label };
    }
  }
}

export { BLUR_SIGMAS_PX, gaussianBlur, gaussianKernel } from './gaussian-blur';
export { NOISE_SIGMAS, ricianNoise } from './rician-noise';
export { STRETCH_MAGNITUDES, stretch } from './stretch';
