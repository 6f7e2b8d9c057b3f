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
import {
  type ProbabilitySamples,
  sampleDraws,
  sampleProbabilities,
  samplesReturned,
  type SliceImage,
} from './sampling';
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
  const { seed } = opts;
  const samples = opts.testTimeAugmentation
    ? testTimeAugmentation(
        (images) => sampleDraws(ckpt, images, { seed }),
        slice,
        methodSamplesReturned(ckpt, T, true),
        { seed, classes: NUM_CLASSES },
      )
    : sampleProbabilities(ckpt, slice, T, { seed });
  if (opts.temperature != null) applyTemperature(samples.data, NUM_CLASSES, opts.temperature);
  return samples;
}
