/**
 * The benchmark study's design (paper "Training Details", "Uncertainty on Distorted Images",
 * "Uncertainty on Dataset Shift") as data: which phantom sites, which method variants, which
 * evaluations, per preset. The plan is the study's identity: the same plan finds the same study
 * run, and every child run is found again by the configuration it was launched with.
 *
 * - `paper`: the paper's design (ensemble M = 10, T = 50) on a phantom large enough for a GPU.
 * - `quick`: the same design sized for a 2-core CPU (target 30 min; measured 23.9 min quiet,
 *   docs/design.md "The study's variants"): 20 site-A subjects (14/2/4 by subject) plus 16 more
 *   test subjects (test 20), 10 site-B subjects, ensemble M = 4 whose member 0 is the plain U-Net,
 *   T = 20 posterior samples for MC Dropout and BBB instead of 50 (T = 10 in the distortion sweeps),
 *   and distortion sweeps on a seeded sample of 3 of the 20 test subjects (all stated in the report).
 * - `standard`: the paper's statistics (T = 50, M = 10, 3 repeats by default) on the `quick`
 *   network and a larger phantom, with +TTA and +TS: hours on a 2-core CPU, minutes on a GPU worker.
 * - `tiny`: tests; any field can be overridden.
 */
import type { DistortionKind } from '../../db/generated/enums';
import { canonicalJson } from '../../db/audit';
import { ENGINE_METHOD, plannedVariantLabel } from '../../domain/methods';
import {
  STUDY_PRESETS,
  type StudyPlan,
  type StudyPreset,
  type StudyVariant,
  type TrainRunConfig,
} from '../../domain/run-config';
import { DEFAULT_BAYES, DEFAULT_DROPOUT } from '../../engine/training/resolve-config';

export { STUDY_PRESETS, type StudyPlan, type StudyPreset, type StudyVariant };

export type StudyPlanOverrides = Partial<Omit<StudyPlan, 'preset'>> & { members?: number };

function paperVariants(members: number): StudyVariant[] {
  return [
    { label: 'PLAIN', method: 'PLAIN' },
    { label: 'MCD-0.1', method: 'MC_DROPOUT', dropoutRate: 0.1, dropoutLayers: 'middle' },
    { label: 'MCD-0.5', method: 'MC_DROPOUT', dropoutRate: 0.5, dropoutLayers: 'middle' },
    { label: 'BBB', method: 'BBB', priorSigma: 0.1, klWeight: 10 },
    { label: plannedVariantLabel({ method: 'ENSEMBLE', members }), method: 'ENSEMBLE', members },
  ];
}

const ALL_KINDS: DistortionKind[] = ['NOISE', 'BLUR', 'STRETCH'];

const BASE: Record<StudyPreset, Omit<StudyPlan, 'variants'> & { members: number; repeats: number }> = {
  paper: {
    preset: 'paper',
    siteA: { subjects: 100, seed: 1 },
    siteB: { subjects: 50, seed: 2 },
    epochs: null,
    samples: 50,
    members: 10,
    kinds: ALL_KINDS,
    levels: [1, 2, 3, 4],
    shardSize: 32,
    seed: 1,
    stepSeconds: 10,
    repeats: 1,
  },
  standard: {
    preset: 'standard',
    trainingPreset: 'quick',
    siteA: { subjects: 50, seed: 1, extraTestSubjects: 30 },
    siteB: { subjects: 30, seed: 2 },
    epochs: null,
    samples: 50,
    members: 10,
    kinds: ALL_KINDS,
    levels: [1, 2, 3, 4],
    shardSize: 16,
    seed: 1,
    stepSeconds: 5,
    sweepSubjects: 10,
    reuseEnsembleMember: true,
    extras: { tta: ['PLAIN', 'MCD-0.1'], temperatureScaling: ['PLAIN', 'MCD-0.1', 'MCD-0.5', 'BBB', 'DE-10'] },
    repeats: 3,
  },
  quick: {
    preset: 'quick',
    siteA: { subjects: 20, seed: 1, extraTestSubjects: 16 },
    siteB: { subjects: 10, seed: 2 },
    epochs: null,
    samples: 20,
    // M = 4 and sweeps on 3 subjects: the 30-min budget (measured with M = 5: 31.7–31.9 min, the
    // ensemble's further members the critical path; docs/design.md "The study's variants").
    members: 4,
    kinds: ALL_KINDS,
    levels: [1, 2, 3, 4],
    shardSize: 16,
    seed: 1,
    stepSeconds: 3,
    sweepSubjects: 3,
    sweepSamples: 10,
    reuseEnsembleMember: true,
    // No extras: +TTA and +TS would not fit in 30 min (docs/design.md "The study's variants").
    repeats: 1,
  },
  tiny: {
    preset: 'tiny',
    siteA: { subjects: 6, seed: 1, extraTestSubjects: 1 },
    siteB: { subjects: 3, seed: 2 },
    epochs: 2,
    samples: 4,
    members: 2,
    kinds: ['NOISE'],
    levels: [1, 4],
    shardSize: 16,
    seed: 1,
    stepSeconds: 1,
    sweepSubjects: 1,
    sweepSamples: 2,
    reuseEnsembleMember: true,
    // One of each extra, so the study test covers them and stays about as fast.
    extras: { tta: ['PLAIN'], temperatureScaling: ['MCD-0.1'] },
    repeats: 1,
  },
};

/** Repeats a study of this preset runs when not asked for a number (`standard`: 3). */
export function defaultRepeats(preset: StudyPreset): number {
  return BASE[preset]?.repeats ?? 1;
}

/** The networks' preset of a plan (`standard` trains the `quick` network). */
export function trainingPreset(plan: StudyPlan) {
  return plan.trainingPreset ?? (plan.preset === 'standard' ? 'quick' : plan.preset);
}

export function studyPlan(preset: StudyPreset, overrides: StudyPlanOverrides = {}): StudyPlan {
  const base = BASE[preset];
  if (!base) throw new Error(`unknown study preset "${preset}" (${STUDY_PRESETS.join(', ')})`);
  const { members: baseMembers, repeats: _repeats, ...rest } = base;
  const { members = baseMembers, ...given } = overrides;
  return {
    ...rest,
    variants: paperVariants(members),
    ...given,
    levels: [...new Set(given.levels ?? rest.levels)].sort(),
  };
}

/**
 * The same plan, whatever the key order. Variant labels are left out: they follow from the rest
 * (plannedVariantLabel), so a study stored before a label was renamed ("DE" became "DE-M") is still found.
 */
export function planKey(plan: StudyPlan): string {
  return canonicalJson({ ...plan, variants: plan.variants.map(({ label: _label, ...variant }) => variant) });
}

// ---- how a child run's stored configuration identifies it -------------------------------------

/** The part of a TRAIN run's config that identifies it within a study. */
export type TrainingIdentity = Pick<
  TrainRunConfig,
  'method' | 'preset' | 'seed' | 'epochs' | 'dropout' | 'bayes' | 'members' | 'member0From'
>;

/** The identifying part of a TRAIN run's config (as services/training.ts stores it). */
export function trainingKey(config: TrainingIdentity): string {
  return canonicalJson({
    method: config.method,
    preset: config.preset,
    seed: config.seed,
    epochs: config.epochs ?? null,
    dropout: config.dropout ?? null,
    bayes: config.bayes ?? null,
    members: config.members ?? null,
    // Which run member 0 came from is not known before launch, only whether it is adopted.
    ...(config.member0From ? { member0Adopted: true } : {}),
  });
}

/** The key a variant's training in repeat r will have once launched. */
export function expectedTrainingKey(plan: StudyPlan, variant: StudyVariant, repeat: number): string {
  const method = ENGINE_METHOD[variant.method];
  return trainingKey({
    method,
    preset: trainingPreset(plan),
    seed: plan.seed + repeat,
    epochs: plan.epochs ?? undefined,
    dropout:
      method === 'mcd'
        ? { rate: variant.dropoutRate ?? DEFAULT_DROPOUT.rate, layers: variant.dropoutLayers ?? DEFAULT_DROPOUT.layers }
        : undefined,
    bayes:
      method === 'bbb'
        ? {
            priorSigma: variant.priorSigma ?? DEFAULT_BAYES.priorSigma,
            klWeight: variant.klWeight ?? DEFAULT_BAYES.klWeight,
          }
        : undefined,
    members: method === 'ensemble' ? variant.members : undefined,
    member0From: method === 'ensemble' && plan.reuseEnsembleMember ? 'planned' : undefined,
  });
}

/**
 * Posterior samples an evaluation of this variant stores when T are asked for (services/evaluations.ts
 * samplesDrawn: plain 1, or T under test-time augmentation; ensemble M).
 */
export function storedSamples(plan: StudyPlan, variant: StudyVariant, tta = false, T = plan.samples): number {
  if (variant.method === 'PLAIN') return tta ? T : 1;
  if (variant.method === 'ENSEMBLE') return variant.members ?? 1;
  return T;
}

/** T asked of the distortion sweeps (plan.sweepSamples, else the plan's T). */
export const sweepSamples = (plan: StudyPlan): number => plan.sweepSamples ?? plan.samples;

export { studyDatasetName as datasetName } from '../../domain/run-config';
