/** Turns a TrainConfig (method + preset + overrides) into the full U-Net config and schedule. */
import type { UNetConfig } from '../models/config';
import { inputSizeOf, PRESETS, type Preset } from '../models/presets';
import { validateUNetConfig } from '../models/unet';
import { InvalidInputError } from '../errors';
import type { TrainConfig } from './types';

export const DEFAULT_DROPOUT = { rate: 0.1, layers: 'middle' } as const;
export const DEFAULT_BAYES = { priorSigma: 0.1, klWeight: 10, initRho: -6 } as const;

export interface ResolvedTraining {
  preset: Preset;
  epochs: number;
  batchSize: number;
  unet: UNetConfig;
  klWeight: number;
}

/** Resolves one network (an ensemble member is a plain U-Net with seed + member). */
export function resolveTraining(config: TrainConfig, member?: number): ResolvedTraining {
  const base = PRESETS[config.preset];
  if (base == null) throw new InvalidInputError('BAD_ARGUMENT', `unknown preset "${config.preset}"`);
  const epochs = config.epochs ?? base.epochs;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new InvalidInputError('BAD_ARGUMENT', `epochs must be a positive integer`);
  const batchSize = config.batchSize ?? base.batchSize;
  const variant = config.method === 'ensemble' ? 'plain' : config.method;
  const seed = config.seed + (member ?? 0);
  const unet: UNetConfig = {
    inputSize: inputSizeOf(base),
    depth: base.depth,
    baseFilters: base.baseFilters,
    headFilters: base.headFilters,
    variant,
    seed,
  };
  if (variant === 'mcd') unet.dropout = { ...DEFAULT_DROPOUT, ...config.dropout };
  if (variant === 'bbb') unet.bayes = { ...DEFAULT_BAYES, ...config.bayes };
  try {
    validateUNetConfig(unet);
  } catch (e) {
    throw new InvalidInputError('BAD_ARGUMENT', (e as Error).message);
  }
  return { preset: base, epochs, batchSize, unet, klWeight: unet.bayes?.klWeight ?? 0 };
}
