/**
 * Seeded pseudo-random numbers for everything stochastic in the engine (phantom, augmentation,
 * distortions, initialisation, shuffling).
 *
 * The seed string (seed + '/'-joined keys) is hashed into a 128-bit state by `seedrandom`'s Alea
 * generator; numbers are then drawn from an inlined sfc32 (Chris Doty-Humphrey's small fast counting
 * generator, passes PractRand/BigCrush), several times faster than calling seedrandom per number,
 * which matters for per-pixel noise. Streams are derived, never shared: `rng.child('subject-17')` depends only on the parent's seed string and
 * the key, not on how many numbers the parent has drawn, so subject 17 of site A with seed s is the
 * same whatever else was generated before it.
 */
import seedrandom from 'seedrandom';
// Math functions bound once: global lookups are slow inside jest's vm sandbox (≈1 µs each).
const { cos, floor, log, sin, sqrt } = Math;

export interface Rng {
  /** The seed string this stream was built from (parent seed + '/' + key for children). */
  readonly seed: string;
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Normal N(mean, sd²) by the Box–Muller transform (pairs cached). */
  normal(mean?: number, sd?: number): number;
  /** True with probability p. */
  bernoulli(p: number): boolean;
  /** Uniformly chosen element. */
  pick<T>(items: readonly T[]): T;
  /** A new shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream for `key`, a pure function of (this.seed, key). */
  child(key: string | number): Rng;
}

/** The seed string of the stream `createRng(seed, ...keys)`. */
export function deriveSeed(seed: number | string, ...keys: Array<string | number>): string {
  return [String(seed), ...keys.map(String)].join('/');
}

/** A seeded stream; extra keys derive a child stream directly (`createRng(s, 'a', 'b')`). */
export function createRng(seed: number | string, ...keys: Array<string | number>): Rng {
  return new Sfc32Rng(deriveSeed(seed, ...keys));
}

class Sfc32Rng implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(readonly seed: string) {
    const alea = seedrandom.alea(seed);
    this.a = alea.int32();
    this.b = alea.int32();
    this.c = alea.int32();
    this.d = alea.int32();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** sfc32 step: uniform in [0, 1) with 32 random bits. */
  private next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  uniform(): number {
    return this.next();
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return lo + floor((hi - lo + 1) * this.next());
  }

  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + sd * z;
    }
    // Box–Muller: u1 in (0, 1] so the logarithm is finite.
    const u1 = 1 - this.next();
    const u2 = this.next();
    const radius = sqrt(-2 * log(u1));
    const angle = 2 * Math.PI * u2;
    this.spare = radius * sin(angle);
    return mean + sd * radius * cos(angle);
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[floor(this.next() * items.length)];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = floor(this.next() * (i + 1));
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  child(key: string | number): Rng {
    return new Sfc32Rng(deriveSeed(this.seed, key));
  }
}

/** Fill `out` with N(0, sd²) samples from `rng` (bulk helper for noise fields). */
export function fillNormal(rng: Rng, out: Float32Array | Float64Array, sd = 1): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, sd);
}
