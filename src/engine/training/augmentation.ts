/**
 * The default training augmentation (paper: rotation ±60°, translation ±60 px, scaling 0.7–1.3),
 * provided by the data module (src/engine/data/augment.ts). Until that module exists this returns
 * null and training runs without augmentation.
 */
import type { Augmenter } from './types';

export function defaultAugmenter(): Augmenter | null {
  return null;
}
