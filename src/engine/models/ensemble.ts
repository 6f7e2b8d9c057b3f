/**
 * Deep Ensembles (paper section "Deep Ensembles"; Lakshminarayanan et al. 2017): M plain U-Nets
 * trained on the same data from different random initialisations (member m uses seed + m, which
 * also changes its shuffling), whose softmax probabilities are averaged. Members are
 * independent, so they train in parallel (worker threads here, separate jobs in the platform).
 * The sampler (inference/sampling.ts) returns one sample per member; `averageSamples` gives the
 * ensemble prediction p̄ = (1/M) Σ_m p_m.
 */
import type { ProbabilitySamples } from '../inference/sampling';

/** Paper: 10 members. */
export const PAPER_ENSEMBLE_MEMBERS = 10;

export function memberSeed(seed: number, member: number): number {
  return seed + member;
}

export function memberDirName(member: number): string {
  return `member-${member}`;
}

/** Mean over the sample axis: [T, H, W, C] → [H, W, C]. */
export function averageSamples(samples: ProbabilitySamples): Float32Array {
  const [T, H, W, C] = samples.shape;
  const n = H * W * C;
  const acc = new Float64Array(n);
  for (let t = 0; t < T; t++) {
    const o = t * n;
    for (let i = 0; i < n; i++) acc[i] += samples.data[o + i];
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = acc[i] / T;
  return out;
}
