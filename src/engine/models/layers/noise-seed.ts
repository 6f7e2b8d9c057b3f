/**
 * One seeded stream of noise seeds shared by the stochastic layers (always-on dropout, Bayesian
 * convolutions). tfjs ops take a fixed `seed` per call (`tf.dropout`, `tf.randomNormal`): passing
 * the same seed twice gives the same mask, so each call draws a fresh seed from this stream.
 *
 * The training loop reseeds it from (run seed, epoch) at the start of every epoch, and sampling
 * from its own seed, so runs, resumed runs and posterior samples are reproducible on one backend.
 */
import seedrandom from 'seedrandom';

let rng: seedrandom.PRNG = seedrandom('cardiac-uq-noise');

/** Restarts the stream; equal keys give equal sequences. */
export function setNoiseSeed(...key: Array<number | string>): void {
  rng = seedrandom(`cardiac-uq-noise:${key.join(':')}`);
}

/** Next seed for one stochastic op (a 31-bit integer). */
export function nextNoiseSeed(): number {
  return rng.int32() >>> 1;
}
