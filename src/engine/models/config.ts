/**
 * Model configuration shared by the builder, training, sampling and checkpoints
 * (docs/design.md "Models"; paper "Training Details").
 */
export type Method = 'plain' | 'mcd' | 'bbb' | 'ensemble';
export const METHODS: readonly Method[] = ['plain', 'mcd', 'bbb', 'ensemble'];

/** Where always-on dropout goes: after every 3×3 conv, or only in the middle of the U. */
export type DropoutLayers = 'all' | 'middle';

export interface DropoutConfig {
  /** Paper grid 0.1 / 0.3 / 0.5. */
  rate: number;
  layers: DropoutLayers;
}

export interface BayesConfig {
  /** σ_prior of the N(0, σ_prior²) prior; paper grid 0.1 / 1.0. */
  priorSigma: number;
  /** λ, weight of the KL term; paper grid 0.1 / 1 / 10 / 30 (best: 10 with σ_prior 0.1). */
  klWeight: number;
  /** Initial ρ (σ₀ = softplus(ρ₀)). */
  initRho: number;
}

export interface UNetConfig {
  /** Side of the square network input in pixels (after crop and downsampling). */
  inputSize: number;
  /** Number of resolution levels (paper 5: 32 → 512 filters). */
  depth: number;
  /** Filters at the top level; level i has base·2^i. */
  baseFilters: number;
  /** Filters of the hidden 1×1 convolution of the head. */
  headFilters: number;
  /** Per-member network variant: an ensemble member is a plain U-Net. */
  variant: 'plain' | 'mcd' | 'bbb';
  dropout?: DropoutConfig;
  bayes?: BayesConfig;
  /** Seed of the weight initialisers. */
  seed: number;
}
