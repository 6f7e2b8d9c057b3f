/**
 * The training augmentation per preset: the paper's rotation ±60° and scaling 0.7–1.3 for every
 * preset; translation ±48 px for `paper`, ±24 px for `quick` (its 96×96 crop; models/presets.ts).
 */
import { DEFAULT_AUGMENT, sampleAffine } from '../../../src/engine/data/augment';
import { PRESETS } from '../../../src/engine/models/presets';
import { presetAugmentOptions } from '../../../src/engine/training/augmentation';
import { createRng } from '../../../src/engine/random';

describe('presetAugmentOptions', () => {
  it("keeps the paper's rotation and scaling and takes the preset's translation", () => {
    expect(presetAugmentOptions('paper')).toEqual(DEFAULT_AUGMENT);
    const quick = presetAugmentOptions('quick');
    expect(quick).toEqual({ ...DEFAULT_AUGMENT, maxTranslationPx: PRESETS.quick.augmentTranslationPx });
    expect(quick.maxTranslationPx).toBe(24);
    expect(quick.maxTranslationPx).toBeLessThanOrEqual(PRESETS.quick.cropSize / 4);
  });

  it('samples quick-preset shifts within ±24 px', () => {
    const rng = createRng(3, 'augment-test');
    for (let i = 0; i < 500; i++) {
      const a = sampleAffine(rng, presetAugmentOptions('quick'));
      expect(Math.abs(a.shiftRows)).toBeLessThanOrEqual(24);
      expect(Math.abs(a.shiftCols)).toBeLessThanOrEqual(24);
      expect(Math.abs(a.rotationRad)).toBeLessThanOrEqual(Math.PI / 3);
      expect(a.scale).toBeGreaterThanOrEqual(0.7);
      expect(a.scale).toBeLessThanOrEqual(1.3);
    }
  });
});
