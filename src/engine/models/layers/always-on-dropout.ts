/**
 * Dropout that stays active at inference (MC Dropout, paper section "MC Dropout"; Gal &
 * Ghahramani): each call drops units with probability `rate` and scales the rest by 1/(1−rate),
 * whether or not the model is training, so repeated forward passes sample weights from q(w).
 * Masks come from the shared noise-seed stream (./noise-seed.ts), so a seeded run is reproducible;
 * while sampling, each batch element (a posterior sample) gets its own mask from its sample's stream.
 */
import * as tf from '@tensorflow/tfjs';
import { dropoutMask } from './fast-random';
import { nextNoiseSeed, nextSampleNoiseSeeds } from './noise-seed';

export interface AlwaysOnDropoutArgs {
  rate: number;
  name?: string;
}

export class AlwaysOnDropout extends tf.layers.Layer {
  static className = 'AlwaysOnDropout';
  readonly rate: number;

  constructor(args: AlwaysOnDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.rate === 0) return x.clone();
    const keep = 1 - this.rate;
    const seeds = nextSampleNoiseSeeds(x.shape[0] ?? 1);
    let mask: Float32Array;
    if (seeds === null) mask = dropoutMask(x.size, keep, nextNoiseSeed());
    else {
      const per = x.size / seeds.length;
      mask = new Float32Array(x.size);
      seeds.forEach((seed, b) => mask.set(dropoutMask(per, keep, seed), b * per));
    }
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape)));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(AlwaysOnDropout);
