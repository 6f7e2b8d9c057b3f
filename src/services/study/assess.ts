/**
 * What exists of a study: every item of its plan (a dataset, a training, a site-A sweep, the
 * site-A test when the sweep has a subject sample, a site-B evaluation per variant and repeat, and
 * the extras: +TTA and temperature fits with +TS) with its state, found again among the study's children by
 * the configuration it was launched with, and how to launch it when it is ready. The orchestration
 * step (jobs/handlers/study-step.ts) launches the ready items; followers draw the progress.
 */
import type { Run } from '../../db/generated/client';
import type { Store } from '../../db/client';
import { canonicalJson } from '../../db/audit';
import { ACTIVE_WHERE, isActive, isUnsuccessful } from '../../domain/constants';
import { runConfig, StudyRunConfig, type StudyPlan, type StudyVariant } from '../../domain/run-config';
import { launchPhantomDataset } from '../datasets';
import { launchEvaluation, launchSweep } from '../evaluations';
import type { Launcher } from '../launcher';
import { launchTemperatureFit } from '../temperature';
import { launchTraining } from '../training';
import { datasetName, expectedTrainingKey, storedSamples, sweepSamples, trainingKey, trainingPreset } from './plan';

/** Launches of an item (counted since the study was last (re)started) before it counts as failed. */
export const MAX_ATTEMPTS = 2;

export function studyConfigOf(run: Pick<Run, 'id' | 'kind' | 'config'>): StudyRunConfig {
  return runConfig(run, 'STUDY');
}

/** extras: test-time augmentation and temperature scaling beside the paper's evaluations (plan.extras). */
export type StudyStage = 'datasets' | 'training' | 'siteA' | 'siteB' | 'extras';
export const STUDY_STAGES: readonly StudyStage[] = ['datasets', 'training', 'siteA', 'siteB', 'extras'];

export interface StudyItem {
  stage: StudyStage;
  /** e.g. "MCD-0.1 r1" */
  label: string;
  /** waiting: its inputs are not ready; ready: to launch now; failed: attempts exhausted. */
  state: 'waiting' | 'ready' | 'running' | 'done' | 'failed';
  runId?: string;
  progress: number;
  error?: string | null;
  launch?: (l: Launcher, studyRunId: string) => Promise<unknown>;
}

/** The item's state from the runs launched for it (oldest first). */
function resolve(candidates: Run[], since: Date): Pick<StudyItem, 'state' | 'runId' | 'progress' | 'error'> {
  const done = candidates.filter((r) => r.status === 'SUCCEEDED').pop();
  if (done) return { state: 'done', runId: done.id, progress: 1 };
  const live = candidates.find((r) => isActive(r.status));
  if (live) return { state: 'running', runId: live.id, progress: live.progress };
  const failures = candidates.filter((r) => isUnsuccessful(r.status) && r.createdAt >= since);
  const last = candidates[candidates.length - 1];
  if (failures.length >= MAX_ATTEMPTS)
    return { state: 'failed', runId: last?.id, progress: 0, error: last?.error ?? last?.status };
  return { state: 'ready', progress: 0, error: last?.error ?? null };
}

export async function assessStudy(store: Store, study: Run): Promise<StudyItem[]> {
  const { plan, repeats } = studyConfigOf(study);
  const since = study.startedAt ?? study.createdAt;
  const children = await store.run.findMany({ where: { parentRunId: study.id }, orderBy: { createdAt: 'asc' } });
  // A sweep whose launch broke off midway settles SUCCEEDED over fewer evaluations: count as failed.
  const sweepIds = children.filter((c) => c.kind === 'SWEEP' && c.status === 'SUCCEEDED').map((c) => c.id);
  const succeeded = sweepIds.length
    ? await store.run.groupBy({
        by: ['parentRunId'],
        where: { parentRunId: { in: sweepIds }, status: 'SUCCEEDED' },
        _count: { _all: true },
      })
    : [];
  const wanted = 1 + plan.kinds.length * plan.levels.length;
  for (const [i, c] of children.entries()) {
    const done = succeeded.find((g) => g.parentRunId === c.id)?._count._all ?? 0;
    if (sweepIds.includes(c.id) && done < wanted)
      children[i] = { ...c, status: 'FAILED', error: `sweep has ${done} of ${wanted} evaluations` };
  }
  const items: StudyItem[] = [];

  const datasets: Partial<Record<'A' | 'B', string>> = {};
  for (const site of ['A', 'B'] as const) {
    const name = datasetName(plan, site);
    const existing = await store.dataset.findUnique({ where: { name }, select: { id: true, createdByRunId: true } });
    const label = `site ${site} (${name})`;
    if (existing) {
      datasets[site] = existing.id;
      items.push({ stage: 'datasets', label, state: 'done', runId: existing.createdByRunId ?? undefined, progress: 1 });
      continue;
    }
    // Another study may be generating the same phantom: wait for it rather than collide on the name.
    const elsewhere = await store.run.findMany({ where: { kind: 'DATASET', status: ACTIVE_WHERE } });
    const candidates = [...children, ...elsewhere.filter((r) => r.parentRunId !== study.id)].filter(
      (r) => r.kind === 'DATASET' && runConfig(r, 'DATASET').name === name,
    );
    const { subjects, seed, extraTestSubjects } = plan[site === 'A' ? 'siteA' : 'siteB'];
    items.push({
      stage: 'datasets',
      label,
      ...resolve(candidates, since),
      launch: (l, parent) =>
        launchPhantomDataset(
          l,
          { name, site, subjects, seed, ...(extraTestSubjects ? { extraTestSubjects } : {}) },
          parent,
        ),
    });
  }

  for (let repeat = 0; repeat < repeats; repeat++) {
    const trainings = new Map<string, StudyItem>();
    for (const variant of plan.variants) {
      const label = `${variant.label} r${repeat}`;
      // The ensemble's member 0 is the plain U-Net of this repeat: it waits for that one.
      const plain = plan.variants.find((v) => v.method === 'PLAIN');
      const from =
        variant.method === 'ENSEMBLE' && plan.reuseEnsembleMember && plain ? trainings.get(plain.label) : null;
      const training =
        from && from.state !== 'done'
          ? { stage: 'training' as const, label, state: 'waiting' as const, progress: 0 }
          : trainingItem(plan, variant, repeat, label, datasets.A, children, since, from?.runId);
      trainings.set(variant.label, training);
      items.push(training);
      const trainingRunId = training.state === 'done' ? training.runId : undefined;
      const at = { plan, variant, repeat, trainingRunId, children, since };
      items.push(sweepItem(plan, variant, repeat, label, trainingRunId, datasets.A, children, since));
      // With sweeps on a subject sample, the undistorted site-A test is its own evaluation of every test subject.
      if (plan.sweepSubjects !== undefined)
        items.push(evaluationItem(at, 'siteA', `${label} test`, { datasetId: datasets.A, split: 'TEST' }));
      items.push(evaluationItem(at, 'siteB', label, { datasetId: datasets.B, split: null }));
      // The validation split, undistorted: what the report fits the combined QC score of
      // uncertainty and plausibility on (docs/design.md "Anatomical plausibility"); repeat 0 only.
      if (repeat === 0)
        items.push(evaluationItem(at, 'siteA', `${label} validation`, { datasetId: datasets.A, split: 'VAL' }));
      if (plan.extras?.tta.includes(variant.label)) {
        const tta = { testTimeAugmentation: true };
        items.push(
          evaluationItem(at, 'extras', `${label} +TTA test`, { datasetId: datasets.A, split: 'TEST', ...tta }),
        );
        items.push(
          evaluationItem(at, 'extras', `${label} +TTA site B`, { datasetId: datasets.B, split: null, ...tta }),
        );
      }
      if (plan.extras?.temperatureScaling.includes(variant.label)) {
        const fit = calibrationItem(at, `${label} temperature fit`);
        items.push(fit);
        const ts = { temperatureScaling: true, waitFor: fit };
        items.push(evaluationItem(at, 'extras', `${label} +TS test`, { datasetId: datasets.A, split: 'TEST', ...ts }));
      }
    }
  }
  return items;
}

function trainingItem(
  plan: StudyPlan,
  variant: StudyVariant,
  repeat: number,
  label: string,
  datasetId: string | undefined,
  children: Run[],
  since: Date,
  member0From?: string,
): StudyItem {
  if (!datasetId) return { stage: 'training', label, state: 'waiting', progress: 0 };
  const key = expectedTrainingKey(plan, variant, repeat);
  const candidates = children.filter(
    (r) => r.kind === 'TRAIN' && r.datasetId === datasetId && trainingKey(runConfig(r, 'TRAIN')) === key,
  );
  return {
    stage: 'training',
    label,
    ...resolve(candidates, since),
    launch: (l, parent) =>
      launchTraining(
        l,
        {
          datasetId,
          method: variant.method,
          preset: trainingPreset(plan),
          seed: plan.seed + repeat,
          ...(plan.epochs !== null ? { epochs: plan.epochs } : {}),
          ...(variant.method === 'MC_DROPOUT'
            ? { dropoutRate: variant.dropoutRate, dropoutLayers: variant.dropoutLayers }
            : {}),
          ...(variant.method === 'BBB' ? { priorSigma: variant.priorSigma, klWeight: variant.klWeight } : {}),
          ...(variant.method === 'ENSEMBLE' ? { members: variant.members, member0From } : {}),
        },
        parent,
      ),
  };
}

function sweepItem(
  plan: StudyPlan,
  variant: StudyVariant,
  repeat: number,
  label: string,
  trainingRunId: string | undefined,
  datasetId: string | undefined,
  children: Run[],
  since: Date,
): StudyItem {
  if (!trainingRunId || !datasetId) return { stage: 'siteA', label, state: 'waiting', progress: 0 };
  const samples = storedSamples(plan, variant, false, sweepSamples(plan));
  const kinds = canonicalJson([...plan.kinds].sort());
  const levels = canonicalJson(plan.levels);
  const candidates = children.filter((r) => {
    if (r.kind !== 'SWEEP') return false;
    const c = runConfig(r, 'SWEEP');
    return (
      c.trainingRunId === trainingRunId &&
      c.datasetId === datasetId &&
      c.split === 'TEST' &&
      c.samples === samples &&
      c.subjectSample?.count === plan.sweepSubjects &&
      canonicalJson([...c.kinds].sort()) === kinds &&
      canonicalJson(c.levels) === levels
    );
  });
  return {
    stage: 'siteA',
    label,
    ...resolve(candidates, since),
    launch: (l, parent) =>
      launchSweep(
        l,
        {
          trainingRunId,
          datasetId,
          split: 'TEST',
          kinds: plan.kinds,
          levels: plan.levels,
          samples: sweepSamples(plan),
          seed: plan.seed + repeat,
          shardSize: plan.shardSize,
          ...(plan.sweepSubjects !== undefined ? { subjects: plan.sweepSubjects } : {}),
        },
        parent,
      ),
  };
}

interface ItemContext {
  plan: StudyPlan;
  variant: StudyVariant;
  repeat: number;
  trainingRunId: string | undefined;
  children: Run[];
  since: Date;
}

/** An undistorted evaluation of every slice of a split (null: the whole dataset), optionally with TTA or TS. */
function evaluationItem(
  { plan, variant, repeat, trainingRunId, children, since }: ItemContext,
  stage: StudyStage,
  label: string,
  what: {
    datasetId: string | undefined;
    split: 'TEST' | 'VAL' | null;
    testTimeAugmentation?: boolean;
    temperatureScaling?: boolean;
    waitFor?: StudyItem;
  },
): StudyItem {
  const { datasetId, split } = what;
  const tta = what.testTimeAugmentation ?? false;
  const ts = what.temperatureScaling ?? false;
  if (!trainingRunId || !datasetId || (what.waitFor && what.waitFor.state !== 'done'))
    return { stage, label, state: 'waiting', progress: 0 };
  const samples = storedSamples(plan, variant, tta);
  const candidates = children.filter((r) => {
    if (r.kind !== 'EVALUATE') return false;
    const c = runConfig(r, 'EVALUATE');
    return (
      c.trainingRunId === trainingRunId &&
      c.datasetId === datasetId &&
      c.split === split &&
      c.samples === samples &&
      c.distortion.kind === 'NONE' &&
      (c.testTimeAugmentation ?? false) === tta &&
      !!c.temperatureScaling === ts &&
      !c.subjectSample
    );
  });
  return {
    stage,
    label,
    ...resolve(candidates, since),
    launch: (l, parent) =>
      launchEvaluation(
        l,
        {
          trainingRunId,
          datasetId,
          ...(split ? { split } : {}),
          samples: plan.samples,
          seed: plan.seed + repeat,
          shardSize: plan.shardSize,
          ...(tta ? { testTimeAugmentation: true } : {}),
          ...(ts ? { temperatureScaling: true } : {}),
        },
        parent,
      ),
  };
}

/** A temperature fit of the training on its validation split (a CALIBRATE child). */
function calibrationItem(
  { plan, variant, repeat, trainingRunId, children, since }: ItemContext,
  label: string,
): StudyItem {
  if (!trainingRunId) return { stage: 'extras', label, state: 'waiting', progress: 0 };
  const samples = storedSamples(plan, variant);
  const candidates = children.filter((r) => {
    if (r.kind !== 'CALIBRATE') return false;
    const c = runConfig(r, 'CALIBRATE');
    return c.trainingRunId === trainingRunId && c.samples === samples;
  });
  return {
    stage: 'extras',
    label,
    ...resolve(candidates, since),
    launch: (l, parent) =>
      launchTemperatureFit(l, { trainingRunId, samples: plan.samples, seed: plan.seed + repeat }, parent),
  };
}

/** Weights of the stages in the study's overall progress (training dominates on a CPU). */
const STAGE_WEIGHT: Record<StudyStage, number> = {
  datasets: 0.05,
  training: 0.45,
  siteA: 0.35,
  siteB: 0.08,
  extras: 0.07,
};

export function stageProgress(items: StudyItem[]) {
  return STUDY_STAGES.map((stage) => {
    const of = items.filter((i) => i.stage === stage);
    return {
      stage,
      total: of.length,
      done: of.filter((i) => i.state === 'done').length,
      running: of.filter((i) => i.state === 'running').length,
      failed: of.filter((i) => i.state === 'failed').length,
      /** Sum of the items' progress, 0..total. */
      value: of.reduce((sum, i) => sum + i.progress, 0),
    };
  });
}

export function overallProgress(items: StudyItem[]): number {
  return stageProgress(items).reduce(
    (sum, s) => sum + (s.total ? (STAGE_WEIGHT[s.stage] * s.value) / s.total : STAGE_WEIGHT[s.stage]),
    0,
  );
}
