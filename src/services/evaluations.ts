/**
 * Launching evaluations: one EVALUATE run with its Evaluation row, sharded into `evaluate-shard`
 * jobs of `shardSize` slices; a distortion sweep is a SWEEP run over one evaluation per kind × level
 * plus the undistorted one.
 */
import type { DistortionKind, Split } from '../db/generated/enums';
import { isUuid } from '../db/ids';
import type { EvaluateRunConfig, SubjectSample, SweepRunConfig } from '../domain/run-config';
import { sampleSubjects } from '../engine/data/subject-sample';
import { QUEUES } from '../jobs/queues';
import { createEvaluation } from '../store/evaluations';
import { createRun } from '../store/runs';
import { countUnlabelled } from '../store/slice-labels';
import { badInput, labelsMissing, notFound } from './errors';
import { datasetExists, enqueueRun, type Launcher } from './launcher';

export interface Distortion {
  kind: DistortionKind;
  level: number;
}

export interface EvaluationRequest {
  trainingRunId: string;
  datasetId: string;
  split?: Split;
  distortion?: Distortion;
  samples: number;
  storeSamples?: boolean;
  seed: number;
  shardSize: number;
  /** Test-time augmentation over the model's draws (docs/design.md "Test-time augmentation"). */
  testTimeAugmentation?: boolean;
  /** Apply the training run's newest temperature fit (docs/design.md "Temperature scaling"). */
  temperatureScaling?: boolean;
  /** Only a seeded sample of this many of the split's subjects (seed: `seed`); absent: all. */
  subjects?: number;
}

/** A SUCCEEDED TRAIN run by id, or a typed error naming `field`. */
export async function succeededTraining(l: Launcher, trainingRunId: string, field = 'trainingRunId') {
  const training = isUuid(trainingRunId) ? await l.store.run.findUnique({ where: { id: trainingRunId } }) : null;
  if (!training || training.kind !== 'TRAIN') throw notFound('training run', trainingRunId);
  if (training.status !== 'SUCCEEDED')
    throw badInput(`training run ${training.id} is ${training.status}, not SUCCEEDED`, field);
  return training;
}

/**
 * Samples T drawn for `requested`: MC Dropout and BBB need ≥ 2; an ensemble draws one per member;
 * a plain model one, or `requested` (≥ 2) under test-time augmentation (one per transform).
 */
export async function samplesDrawn(
  l: Launcher,
  training: { id: string; method: string | null },
  requested: number,
  tta = false,
): Promise<number> {
  if (training.method === 'ENSEMBLE') return l.store.checkpoint.count({ where: { runId: training.id } });
  if (training.method === 'MC_DROPOUT' || training.method === 'BBB' || tta) {
    const what = tta ? `test-time augmentation of a ${training.method} model` : `a ${training.method} model`;
    if (requested < 2) throw badInput(`${what} needs samples ≥ 2 (got ${requested})`, 'samples');
    return requested;
  }
  return 1;
}

/** Checks a request against the store; returns the training run, the slices and the sample count. */
async function planEvaluation(l: Launcher, plan: Omit<EvaluationRequest, 'distortion'>) {
  const training = await succeededTraining(l, plan.trainingRunId);
  const datasetId = await datasetExists(l, plan.datasetId);
  let scope: { subject: { datasetId: string; split?: Split; externalId?: { in: string[] } } } = {
    subject: { datasetId, ...(plan.split ? { split: plan.split } : {}) },
  };
  let subjectSample: SubjectSample | undefined;
  if (plan.subjects !== undefined) {
    if (!Number.isInteger(plan.subjects) || plan.subjects < 1)
      throw badInput(`subjects must be a positive integer (got ${plan.subjects})`, 'subjects');
    const all = await l.store.subject.findMany({ where: scope.subject, select: { externalId: true } });
    const subjectIds = sampleSubjects(
      all.map((s) => s.externalId),
      plan.subjects,
      plan.seed,
    );
    subjectSample = { count: plan.subjects, seed: plan.seed, subjectIds };
    scope = { subject: { ...scope.subject, externalId: { in: subjectIds } } };
  }
  const slices = await l.store.slice.findMany({
    where: scope,
    select: { id: true },
    orderBy: [{ subjectId: 'asc' }, { phase: 'asc' }, { sliceIndex: 'asc' }],
  });
  if (slices.length === 0)
    throw badInput(`dataset ${datasetId} has no${plan.split ? ` ${plan.split}` : ''} slices`, 'split');
  const missing = await countUnlabelled(l.store, scope);
  if (missing > 0)
    throw labelsMissing(`dataset ${datasetId}${plan.split ? ` ${plan.split}` : ''}`, missing, slices.length);
  const samples = await samplesDrawn(l, training, plan.samples, plan.testTimeAugmentation);
  let temperatureScaling: EvaluateRunConfig['temperatureScaling'] = null;
  if (plan.temperatureScaling) {
    // The newest fit applies; the run config keeps which one, so a later refit changes nothing here.
    const fit = await l.store.temperatureFit.findFirst({
      where: { trainingRunId: training.id },
      orderBy: { createdAt: 'desc' },
    });
    if (!fit)
      throw badInput(`training run ${training.id} has no temperature fit (fitTemperature first)`, 'temperatureScaling');
    temperatureScaling = { fitId: fit.id, temperature: fit.temperature };
  }
  return { training, sliceIds: slices.map((s) => s.id), samples, temperatureScaling, subjectSample };
}

function checkDistortion(kind: DistortionKind, level: number) {
  if (kind === 'NONE' && level !== 0) throw badInput('distortion NONE takes level 0', 'distortion.level');
  if (kind !== 'NONE' && (!Number.isInteger(level) || level < 1 || level > 4)) {
    throw badInput(`${kind} takes a level in 1..4 (got ${level})`, 'distortion.level');
  }
}

async function startEvaluation(
  l: Launcher,
  request: EvaluationRequest & { distortion: Distortion },
  plan: Awaited<ReturnType<typeof planEvaluation>>,
  parentRunId?: string,
) {
  const { training, sliceIds, samples, temperatureScaling, subjectSample } = plan;
  const { kind, level } = request.distortion;
  const storeSamples = request.storeSamples ?? false;
  const config: EvaluateRunConfig = {
    trainingRunId: training.id,
    datasetId: request.datasetId,
    split: request.split ?? null,
    distortion: { kind, level },
    samples,
    storeSamples,
    shardSize: request.shardSize,
    slices: sliceIds.length,
    testTimeAugmentation: request.testTimeAugmentation ?? false,
    temperatureScaling,
    ...(subjectSample ? { subjectSample } : {}),
  };
  const run = await createRun(l.store, l, {
    kind: 'EVALUATE',
    method: training.method,
    config,
    seed: request.seed,
    parentRunId,
    datasetId: request.datasetId,
  });
  const evaluation = await createEvaluation(l.store, l.actor, {
    runId: run.id,
    trainingRunId: training.id,
    datasetId: request.datasetId,
    split: request.split,
    distortion: { kind, level },
    samples,
    storeSamples,
  });
  let queued = run;
  for (let shard = 0; shard * request.shardSize < sliceIds.length; shard++) {
    const shardSlices = sliceIds.slice(shard * request.shardSize, (shard + 1) * request.shardSize);
    queued = await enqueueRun(l, QUEUES.evaluateShard, run.id, {
      evaluationId: evaluation.id,
      shard,
      sliceIds: shardSlices,
    });
  }
  return queued;
}

export async function launchEvaluation(l: Launcher, request: EvaluationRequest, parentRunId?: string) {
  const distortion: Distortion = request.distortion ?? { kind: 'NONE', level: 0 };
  checkDistortion(distortion.kind, distortion.level);
  const plan = await planEvaluation(l, request);
  return startEvaluation(l, { ...request, distortion }, plan, parentRunId);
}

export interface SweepRequest extends Omit<EvaluationRequest, 'distortion' | 'storeSamples'> {
  kinds: DistortionKind[];
  levels: number[];
}

export async function launchSweep(l: Launcher, request: SweepRequest, parentRunId?: string) {
  if (request.kinds.includes('NONE'))
    throw badInput('kinds are NOISE, BLUR, STRETCH (level 0 is always included)', 'kinds');
  const levels = [...new Set(request.levels)].sort();
  for (const level of levels) checkDistortion('NOISE', level);
  const kinds = [...new Set(request.kinds)];
  const plan = await planEvaluation(l, request);
  const config: SweepRunConfig = {
    trainingRunId: plan.training.id,
    datasetId: request.datasetId,
    split: request.split ?? null,
    kinds,
    levels,
    samples: plan.samples,
    ...(plan.subjectSample ? { subjectSample: plan.subjectSample } : {}),
  };
  const sweep = await createRun(l.store, l, {
    kind: 'SWEEP',
    method: plan.training.method,
    config,
    seed: request.seed,
    datasetId: request.datasetId,
    parentRunId,
  });
  const distortions: Distortion[] = [
    { kind: 'NONE', level: 0 },
    ...kinds.flatMap((kind) => levels.map((level) => ({ kind, level }))),
  ];
  for (const distortion of distortions) await startEvaluation(l, { ...request, distortion }, plan, sweep.id);
  return l.store.run.findUniqueOrThrow({ where: { id: sweep.id } });
}
