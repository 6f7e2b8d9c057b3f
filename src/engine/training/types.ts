/** Inputs, options and results of training (used by the CLI and the jobs layer). */
import type { Rng } from '../random';
import type { BayesConfig, DropoutConfig, Method } from '../models/config';
import type { PresetName } from '../models/presets';
import type { CheckpointMeta } from '../checkpoint';

/** One labelled 2-D slice, row-major (rows = NIfTI x), labels in channel order 0..3. */
export interface TrainingSlice {
  image: Float32Array;
  label: Uint8Array;
  rows: number;
  cols: number;
}

export interface TrainingData {
  train: TrainingSlice[];
  val: TrainingSlice[];
}

export interface TrainConfig {
  method: Method;
  preset: PresetName;
  seed: number;
  /** Overrides the preset's epochs (the learning-rate decay scales with it). */
  epochs?: number;
  batchSize?: number;
  /** MC Dropout; default rate 0.1 on the middle layers (the paper's best). */
  dropout?: Partial<DropoutConfig>;
  /** Bayes by Backprop; default σ_prior 0.1, λ 10 (the paper's best), ρ₀ −6. */
  bayes?: Partial<BayesConfig>;
  /** Deep Ensembles: number of members (paper 10; DEFAULT_ENSEMBLE_MEMBERS), member m trained with seed + m. */
  members?: number;
}

/** Deep Ensemble size when none is given (the paper uses 10; 5 keeps a CPU run short). */
export const DEFAULT_ENSEMBLE_MEMBERS = 5;

export interface TrainProgress {
  /** Ensemble member index (absent for single models). */
  member?: number;
  /** 1-based epoch being trained. */
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss of the epoch so far. */
  loss: number;
  /** Validation NLL of the last finished epoch (null before the first). */
  valNll: number | null;
  etaSeconds: number;
  learningRate: number;
}

/** Augments one slice (image + label on the same grid); from src/engine/data/augment.ts. */
export type Augmenter = (slice: TrainingSlice, rng: Rng) => TrainingSlice;

export interface TrainOptions {
  /** Checkpoint folder: the best model by validation NLL; `last/` holds the resumable state. */
  outDir: string;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Resume from `<resumeFrom>/last` (usually the same folder as outDir). */
  resumeFrom?: string;
  /** Overrides the default augmentation (null: none). */
  augment?: Augmenter | null;
  /** Worker threads for ensemble members (default: min(members, CPU cores)); 0 = in-process. */
  workers?: number;
  /** Internal: ensemble member index. */
  member?: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  valNll: number;
  learningRate: number;
  seconds: number;
}

export interface TrainResult {
  outDir: string;
  /** Meta of the best checkpoint (for an ensemble, one per member). */
  best: CheckpointMeta[];
  history: EpochRecord[][];
  backend: string;
}

export class TrainingCancelledError extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'TrainingCancelledError';
  }
}
