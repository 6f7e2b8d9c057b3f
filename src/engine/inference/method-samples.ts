/**
 * The samples an evaluation measures for one slice: the model's posterior samples
 * (sampling.ts), optionally under test-time augmentation (test-time-augmentation.ts: sample t is
 * draw t of the model on transformed image t), optionally tempered by a fitted temperature
 * (calibration/temperature-scaling.ts, applied to every sample after the spatial inverse).
 * docs/design.md "Test-time augmentation", "Temperature scaling".
 */
import type { LoadedCheckpoint } from '../checkpoint';
import { applyTemperature } from '../calibration/temperature-scaling';
import { NUM_CLASSES } from '../data/types';
import { type ProbabilitySamples, sampleDraws, sampleSlices, samplesReturned, type SliceImage } from './sampling';
import { testTimeAugmentation } from './test-time-augmentation';

export interface SamplingOptions {
  seed: number;
  testTimeAugmentation?: boolean;
  /** null or absent: no temperature scaling. */
  temperature?: number | null;
}

/**
 * Samples returned for T requested: as `samplesReturned`, except that a plain model under TTA
 * has T samples (one per transform); an ensemble keeps one per member.
 */
export function methodSamplesReturned(ckpt: LoadedCheckpoint, T: number, tta: boolean): number {
  return tta && ckpt.kind !== 'ensemble' ? T : samplesReturned(ckpt, T);
}

export function methodSamples(
  ckpt: LoadedCheckpoint,
  slice: SliceImage,
  T: number,
  opts: SamplingOptions,
): ProbabilitySamples {
  return methodSamplesOfSlices(ckpt, [slice], T, opts)[0];
}

/**
 * `methodSamples` of several slices at once: batched over the slices (sampleSlices; sample t is
 * the same draw whatever the batch, so the values equal the per-slice ones to float rounding) —
 * for BBB one weight draw and one forward pass per t for all of them, about twice as fast as slice
 * by slice; under TTA each slice has its own transforms, so slice by slice.
 */
export function methodSamplesOfSlices(
  ckpt: LoadedCheckpoint,
  slices: SliceImage[],
  T: number,
  opts: SamplingOptions,
): ProbabilitySamples[] {
  const { seed } = opts;
  const samples = opts.testTimeAugmentation
    ? slices.map((slice) =>
        testTimeAugmentation(
          (images) => sampleDraws(ckpt, images, { seed }),
          slice,
          methodSamplesReturned(ckpt, T, true),
          { seed, classes: NUM_CLASSES },
        ),
      )
    : sampleSlices(ckpt, slices, T, { seed });
  if (opts.temperature != null) for (const s of samples) applyTemperature(s.data, NUM_CLASSES, opts.temperature);
  return samples;
}
