/** The store's method names and the engine's, one to one; and the study's label of a trained variant. */
import type { Method as StoreMethod } from '../db/generated/enums';
import type { Method as EngineMethod } from '../engine/models/config';
import { DEFAULT_DROPOUT } from '../engine/training/resolve-config';

export const ENGINE_METHOD: Readonly<Record<StoreMethod, EngineMethod>> = Object.freeze({
  PLAIN: 'plain',
  MC_DROPOUT: 'mcd',
  BBB: 'bbb',
  ENSEMBLE: 'ensemble',
});

/** What the label needs of a TRAIN run's config (as the store keeps it, or as the API returns it). */
export interface LabelledTraining {
  method?: unknown;
  dropout?: { rate?: number; layers?: string } | null;
}

/** The label (PLAIN, MCD-0.1, MCD-0.5-all, BBB, DE) of a TRAIN run from its config. */
export function variantLabel(config: LabelledTraining | null | undefined): string {
  switch (config?.method) {
    case 'mcd': {
      const rate = config.dropout?.rate ?? DEFAULT_DROPOUT.rate;
      const layers = config.dropout?.layers;
      return `MCD-${rate}${layers && layers !== DEFAULT_DROPOUT.layers ? `-${layers}` : ''}`;
    }
    case 'bbb':
      return 'BBB';
    case 'ensemble':
      return 'DE';
    default:
      return 'PLAIN';
  }
}
