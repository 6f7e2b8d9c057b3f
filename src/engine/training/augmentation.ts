/**
 * The default training augmentation: the data module's `augmentSlice` (src/engine/data/augment.ts;
 * paper: rotation ±60°, translation, scaling 0.7–1.3). Applied to the whole slice before the
 * network's crop, seeded per (run seed, epoch, slice). `presetAugmenter` uses the preset's
 * translation range (smaller for the `quick` preset's 96×96 crop; see models/presets.ts).
 */
import { augmentSlice, DEFAULT_AUGMENT, type AugmentOptions } from '../data/augment';
import { PRESETS, type PresetName } from '../models/presets';
import type { Augmenter, TrainingSlice } from './types';

export function defaultAugmenter(options: AugmentOptions = DEFAULT_AUGMENT): Augmenter {
  return (slice: TrainingSlice, rng) => {
    const out = augmentSlice({ ...slice, spacingMm: [1, 1] as const }, rng, options);
    return { image: out.image, label: out.label, rows: out.rows, cols: out.cols };
  };
}

/** The augmentation ranges of a preset: the paper's rotation and scaling, the preset's translation. */
export function presetAugmentOptions(preset: PresetName): AugmentOptions {
  // An unknown name keeps the defaults here; resolveTraining rejects it with a clear error.
  const p = PRESETS[preset] as (typeof PRESETS)[PresetName] | undefined;
  return { ...DEFAULT_AUGMENT, maxTranslationPx: p?.augmentTranslationPx ?? DEFAULT_AUGMENT.maxTranslationPx };
}

/** The training augmentation of a preset (what trainModel, ensemble workers and jobs use). */
export function presetAugmenter(preset: PresetName): Augmenter {
  return defaultAugmenter(presetAugmentOptions(preset));
}
