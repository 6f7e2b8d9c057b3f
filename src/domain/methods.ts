/** The store's method names and the engine's, one to one; and the study's label of a trained variant. */
import type { Method as StoreMethod } from '../db/generated/enums';
import type { Method as EngineMethod } from '../engine/models/config';
import { DEFAULT_DROPOUT } from '../engine/training/resolve-config';
import { DEFAULT_ENSEMBLE_MEMBERS } from './constants';

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
  members?: number | null;
}

/** An ensemble's label names its size M (the paper's DE has M = 10, the quick study's M = 5). */
const ENSEMBLE_LABEL = /^DE-\d+$/;

export function isEnsembleLabel(label: string): boolean {
  return ENSEMBLE_LABEL.test(label);
}

/** The label (PLAIN, MCD-0.1, MCD-0.5-all, BBB, DE-5) of a TRAIN run from its config. */
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
      return `DE-${config.members ?? DEFAULT_ENSEMBLE_MEMBERS}`;
    default:
      return 'PLAIN';
  }
}

/** What an evaluation's config (EVALUATE run) adds to how its samples are drawn. */
export interface LabelledEvaluation {
  testTimeAugmentation?: unknown;
  temperatureScaling?: unknown;
}

/**
 * The variant an evaluation measured: the trained variant, then "+TTA" under test-time
 * augmentation and "+TS" with a temperature applied (e.g. "PLAIN+TTA", "MCD-0.1+TTA+TS").
 */
export function evaluatedVariantLabel(
  training: LabelledTraining | null | undefined,
  evaluation: LabelledEvaluation | null | undefined,
): string {
  const tta = evaluation?.testTimeAugmentation === true ? '+TTA' : '';
  const ts = evaluation?.temperatureScaling ? '+TS' : '';
  return `${variantLabel(training)}${tta}${ts}`;
}

/** What a study plan's variant describes (domain/run-config.ts StudyVariant), as a TRAIN config would. */
export interface PlannedVariant {
  method: StoreMethod;
  dropoutRate?: number;
  dropoutLayers?: string;
  members?: number;
}

/** The label of a planned variant: the same as its training run's once launched (variantLabel). */
export function plannedVariantLabel(v: PlannedVariant): string {
  return variantLabel({
    method: ENGINE_METHOD[v.method],
    dropout: { rate: v.dropoutRate, layers: v.dropoutLayers },
    members: v.members,
  });
}
