/**
 * The default training augmentation: the data module's `augmentSlice` (src/engine/data/augment.ts;
 * paper: rotation ±60°, translation, scaling 0.7–1.3), with the preset's ranges. Applied to the
 * whole slice before the network's crop, seeded per (run seed, epoch, slice).
 */
import { augmentSlice, DEFAULT_AUGMENT, type AugmentOptions } from '../data/augment';
import type { Augmenter, TrainingSlice } from './types';

export function defaultAugmenter(options: AugmentOptions = DEFAULT_AUGMENT): Augmenter {
  return (slice: TrainingSlice, rng) => {
    const out = augmentSlice({ ...slice, spacingMm: [1, 1] as const }, rng, options);
    return { image: out.image, label: out.label, rows: out.rows, cols: out.cols };
  };
}
