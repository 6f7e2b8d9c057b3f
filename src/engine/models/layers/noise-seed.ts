/**
 * One seeded stream of noise seeds shared by the stochastic layers (always-on dropout, Bayesian
 * convolutions). tfjs ops take a fixed `seed` per call (`tf.dropout`, `tf.randomNormal`): passing
 * the same seed twice gives the same mask, so each call draws a fresh seed from this stream.
 *
 * The training loop reseeds it from (run seed, epoch) at the start of every epoch, and sampling
 * from its own seed, so runs, resumed runs and posterior samples are reproducible on one backend.
 *
 * Posterior sampling over a batch whose elements are different samples (MC Dropout: the T copies
 * of a slice) uses per-sample streams instead (`withSampleNoise`): batch element b is sample t_b,
 * and the k-th stochastic op of a forward pass draws element b's seed as the k-th value of the
 * stream keyed by (key, t_b). So sample t gets the same masks whichever slice, phase, chunk or
 * batch position it is computed in: the coherence posterior intervals of subject-level
 * quantities need (docs/design.md "Definitions" → "Clinical biomarkers").
 */
import seedrandom from 'seedrandom';

let rng: seedrandom.PRNG = seedrandom('cardiac-uq-noise');
let perSample: seedrandom.PRNG[] | null = null;

const streamOf = (key: ReadonlyArray<number | string>) => seedrandom(`cardiac-uq-noise:${key.join(':')}`);

/** Restarts the stream; equal keys give equal sequences. Ends per-sample streams. */
export function setNoiseSeed(...key: Array<number | string>): void {
  rng = streamOf(key);
  perSample = null;
}

/** Next seed for one stochastic op (a 31-bit integer). */
export function nextNoiseSeed(): number {
  return rng.int32() >>> 1;
}

/** Runs `fn` with batch element b drawing from the stream of posterior sample `samples[b]`. */
export function withSampleNoise<R>(key: ReadonlyArray<number | string>, samples: readonly number[], fn: () => R): R {
  perSample = samples.map((t) => streamOf([...key, 'sample', t]));
  try {
    return fn();
  } finally {
    perSample = null;
  }
}

/**
 * Seeds of one stochastic op over a batch: one per element inside `withSampleNoise` (whose sample
 * list must match the batch), else null (the op takes one seed from the shared stream).
 */
export function nextSampleNoiseSeeds(batch: number): number[] | null {
  if (perSample === null) return null;
  if (perSample.length !== batch)
    throw new Error(`per-sample noise for ${perSample.length} samples, but the batch holds ${batch}`);
  return perSample.map((r) => r.int32() >>> 1);
}
