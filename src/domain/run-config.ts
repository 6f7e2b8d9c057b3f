/**
 * `Run.config` per run kind, as the services write it and handlers, the study and the resolvers
 * read it back (docs/design.md "Store"). The TypeScript types are inferred from the schemas, so the
 * writer and every reader agree at compile time, and `runConfig()` checks a stored row at run time.
 */
import { z } from 'zod';
import type { Run } from '../db/generated/client';
import { PRESET_NAMES } from '../engine/models/presets';
import { METHODS as ENGINE_METHODS } from '../engine/models/config';
import { DISTORTION_KINDS, METHODS } from './constants';
import { parseStored } from './stored-data';

const uuid = z.guid();
const count = z.number().int().nonnegative();
const site = z.enum(['A', 'B']);
const split = z.enum(['TRAIN', 'VAL', 'TEST']);
const distortionKind = z.enum(DISTORTION_KINDS);

// ---- DATASET ----------------------------------------------------------------------------------

export const PhantomDatasetConfig = z.object({
  name: z.string(),
  site,
  subjects: z.number().int().positive(),
  seed: z.number().int(),
  /** Subjects after the split ones, all TEST (engine/data/phantom: the training data stay the same); absent: 0. */
  extraTestSubjects: z.number().int().positive().optional(),
});
export type PhantomDatasetConfig = z.infer<typeof PhantomDatasetConfig>;

export const IMPORT_LAYOUTS = ['ACDC', 'MNMS', 'NIFTI_PAIRS'] as const;
export type ImportLayout = (typeof IMPORT_LAYOUTS)[number];

export const ImportDatasetConfig = z.object({
  name: z.string(),
  /** Resolved (real) folder under the import root. */
  folder: z.string(),
  /** The import root's real path when the import was asked for; runs queued before it was kept have none. */
  root: z.string().optional(),
  layout: z.enum(IMPORT_LAYOUTS),
  site: site.nullable(),
  split: split.nullable(),
});
export type ImportDatasetConfig = z.infer<typeof ImportDatasetConfig>;

export const DatasetRunConfig = z.union([PhantomDatasetConfig, ImportDatasetConfig]);
export type DatasetRunConfig = z.infer<typeof DatasetRunConfig>;

// ---- TRAIN ------------------------------------------------------------------------------------

export const TrainRunConfig = z.object({
  datasetId: uuid,
  method: z.enum(ENGINE_METHODS as readonly ['plain', 'mcd', 'bbb', 'ensemble']),
  preset: z.enum(PRESET_NAMES as readonly ['tiny', 'quick', 'paper']),
  seed: z.number().int(),
  epochs: z.number().int().positive().optional(),
  dropout: z.object({ rate: z.number().min(0).max(1), layers: z.enum(['middle', 'all']) }).optional(),
  bayes: z.object({ priorSigma: z.number().positive(), klWeight: z.number().nonnegative() }).optional(),
  members: z.number().int().positive().optional(),
  /**
   * An ensemble whose member 0 is the checkpoint of this PLAIN run (same dataset, preset, seed and
   * epochs: the same network, bit for bit), copied at launch instead of trained again.
   */
  member0From: uuid.optional(),
});
export type TrainRunConfig = z.infer<typeof TrainRunConfig>;

// ---- EVALUATE and SWEEP -----------------------------------------------------------------------

/** `count` subjects drawn with `seed` from the split's subjects, and which (ordered by id). */
export const SubjectSample = z.object({
  count: z.number().int().positive(),
  seed: z.number().int(),
  subjectIds: z.array(z.string()),
});
export type SubjectSample = z.infer<typeof SubjectSample>;

export const EvaluateRunConfig = z.object({
  trainingRunId: uuid,
  datasetId: uuid,
  split: split.nullable(),
  distortion: z.object({ kind: distortionKind, level: count }),
  /** Posterior samples T actually drawn (plain 1, ensemble M). */
  samples: z.number().int().positive(),
  storeSamples: z.boolean(),
  shardSize: z.number().int().positive(),
  /** Slices evaluated, over all shards. */
  slices: z.number().int().positive(),
  /** Test-time augmentation over the model's draws (engine/inference/test-time-augmentation.ts); absent: off. */
  testTimeAugmentation: z.boolean().optional(),
  /** The temperature fit applied to every sample (engine/calibration/temperature-scaling.ts); absent: none. */
  temperatureScaling: z.object({ fitId: uuid, temperature: z.number().positive() }).nullable().optional(),
  /** A seeded sample of the split's subjects (services/evaluations.ts); absent: every subject. */
  subjectSample: SubjectSample.optional(),
});
export type EvaluateRunConfig = z.infer<typeof EvaluateRunConfig>;

export const SweepRunConfig = z.object({
  trainingRunId: uuid,
  datasetId: uuid,
  split: split.nullable(),
  kinds: z.array(distortionKind),
  levels: z.array(count),
  samples: z.number().int().positive(),
  subjectSample: SubjectSample.optional(),
});
export type SweepRunConfig = z.infer<typeof SweepRunConfig>;

// ---- CALIBRATE --------------------------------------------------------------------------------

/** A temperature fit on the training run's own dataset's validation split (docs/design.md "Temperature scaling"). */
export const CalibrateRunConfig = z.object({
  trainingRunId: uuid,
  datasetId: uuid,
  split: z.literal('VAL'),
  /** Posterior samples T drawn per slice (plain 1, ensemble M); every sample's pixels enter the NLL. */
  samples: z.number().int().positive(),
  slices: z.number().int().positive(),
});
export type CalibrateRunConfig = z.infer<typeof CalibrateRunConfig>;

// ---- INFER ------------------------------------------------------------------------------------

export const InferRunConfig = z.object({
  trainingRunId: uuid,
  /** The checkpoints sampled, in member order (every one of the training run unless chosen). */
  checkpointIds: z.array(uuid).min(1),
  datasetId: uuid,
  /** Dataset.contentHash when the inference was asked for. */
  datasetHash: z.string(),
  policyId: uuid.nullable(),
  /** Posterior samples T actually drawn (plain 1, ensemble M). */
  samples: z.number().int().positive(),
  shardSize: z.number().int().positive(),
  /** Slices segmented, over all shards. */
  slices: z.number().int().positive(),
});
export type InferRunConfig = z.infer<typeof InferRunConfig>;

// ---- STUDY ------------------------------------------------------------------------------------

export const STUDY_PRESETS = ['tiny', 'quick', 'standard', 'paper'] as const;
export type StudyPreset = (typeof STUDY_PRESETS)[number];

/** One trained model family of the paper: PLAIN, MCD-0.1, MCD-0.5, BBB, DE. */
export const StudyVariant = z.object({
  label: z.string(),
  method: z.enum(METHODS),
  dropoutRate: z.number().optional(),
  dropoutLayers: z.enum(['middle', 'all']).optional(),
  priorSigma: z.number().optional(),
  klWeight: z.number().optional(),
  members: z.number().int().positive().optional(),
});
export type StudyVariant = z.infer<typeof StudyVariant>;

const studySite = z.object({
  subjects: z.number().int().positive(),
  seed: z.number().int(),
  /** Site A: further subjects, all TEST (PhantomDatasetConfig.extraTestSubjects); absent: none. */
  extraTestSubjects: z.number().int().positive().optional(),
});

/** Evaluations beside the paper's (docs/design.md "Test-time augmentation", "Temperature scaling"). */
const StudyExtras = z.object({
  /** Variant labels evaluated also under test-time augmentation (site-A test and site B). */
  tta: z.array(z.string()),
  /** Variant labels with a temperature fit per training, then the site-A test evaluated with it (+TS). */
  temperatureScaling: z.array(z.string()),
});

/** The study's design (services/study/plan.ts); the plan is the study's identity. */
export const StudyPlan = z.object({
  preset: z.enum(STUDY_PRESETS),
  /** The networks' preset (engine/models/presets.ts); absent: `preset` itself. */
  trainingPreset: z.enum(PRESET_NAMES as readonly ['tiny', 'quick', 'paper']).optional(),
  /** Site A (UK Biobank-like): train / validation / test by subject (70 / 10 / 20 %). */
  siteA: studySite,
  /** Site B (ACDC-like, five groups): every slice is a shift test. */
  siteB: studySite,
  /** Training epochs; null: the preset's. */
  epochs: z.number().int().positive().nullable(),
  /** Posterior samples T for MC Dropout and BBB (plain: 1; ensemble: its members). */
  samples: z.number().int().positive(),
  variants: z.array(StudyVariant),
  kinds: z.array(distortionKind),
  levels: z.array(count),
  shardSize: z.number().int().positive(),
  /** Repeat r trains and evaluates with seed + r. */
  seed: z.number().int(),
  /** Seconds between two orchestration steps. */
  stepSeconds: z.number().nonnegative(),
  /**
   * Distortion sweeps on a seeded sample of this many site-A test subjects (seed: the repeat's),
   * the undistorted site-A test then a separate evaluation of every test subject; absent: sweeps on all.
   */
  sweepSubjects: z.number().int().positive().optional(),
  /** Posterior samples T for MC Dropout and BBB in the distortion sweeps; absent: `samples`. */
  sweepSamples: z.number().int().positive().optional(),
  /** The ensemble's member 0 is the plain U-Net of the same repeat (TrainRunConfig.member0From). */
  reuseEnsembleMember: z.boolean().optional(),
  extras: StudyExtras.optional(),
});
export type StudyPlan = z.infer<typeof StudyPlan>;

export const StudyRunConfig = z.object({ plan: StudyPlan, repeats: z.number().int().positive() });

/** The phantom dataset a plan uses for a site (the report finds it by this name too). */
export function studyDatasetName(plan: Pick<StudyPlan, 'siteA' | 'siteB'>, site: 'A' | 'B'): string {
  const s = site === 'A' ? plan.siteA : plan.siteB;
  return `phantom-${site}-n${s.subjects}-s${s.seed}${s.extraTestSubjects ? `-t${s.extraTestSubjects}` : ''}`;
}
export type StudyRunConfig = z.infer<typeof StudyRunConfig>;

// ---- reading back -----------------------------------------------------------------------------

export const RUN_CONFIG = Object.freeze({
  DATASET: DatasetRunConfig,
  TRAIN: TrainRunConfig,
  EVALUATE: EvaluateRunConfig,
  SWEEP: SweepRunConfig,
  STUDY: StudyRunConfig,
  INFER: InferRunConfig,
  CALIBRATE: CalibrateRunConfig,
});
export type RunConfigOf<K extends keyof typeof RUN_CONFIG> = z.infer<(typeof RUN_CONFIG)[K]>;

/**
 * A run's stored config, checked against its kind's schema (or a narrower one, e.g. a phantom
 * DATASET). Throws StoredDataError naming the run and the field; a run of another kind is an error too.
 */
export function runConfig<K extends keyof typeof RUN_CONFIG>(
  run: Pick<Run, 'id' | 'kind' | 'config'>,
  kind: K,
): RunConfigOf<K>;
export function runConfig<S extends z.ZodType>(
  run: Pick<Run, 'id' | 'kind' | 'config'>,
  kind: keyof typeof RUN_CONFIG,
  schema: S,
): z.output<S>;
export function runConfig(
  run: Pick<Run, 'id' | 'kind' | 'config'>,
  kind: keyof typeof RUN_CONFIG,
  schema?: z.ZodType,
): unknown {
  const subject = `run ${run.id} (${kind} config)`;
  if (run.kind !== kind) throw new Error(`${subject}: the run is a ${run.kind} run`);
  return parseStored(schema ?? RUN_CONFIG[kind], run.config, subject);
}
