/**
 * Starting work, for the API's mutations and for the study job alike: validate against the store,
 * create the Run (QUEUED) with its audit event in one transaction, enqueue the pg-boss job(s), and
 * record the job id. If the queue refuses, the run is marked FAILED and the error returned; nothing
 * is left queued without a run or vice versa. Errors are LaunchErrors with a code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Prisma } from '../db/generated/client';
import type { DistortionKind, Method, Split } from '../db/generated/enums';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { isUuid } from '../db/ids';
import { checkImportFolder } from '../engine/io/acdc-import';
import { InvalidInputError } from '../engine/errors';
import { DEFAULT_CALIBRATION_BINS } from '../engine/metrics/calibration';
import { METRIC_VERSION } from '../engine/metrics/slice-evaluation';
import { badInput, conflict, notFound } from './launch-error';
import { ENGINE_METHOD } from './methods';
import { enqueue, QUEUES } from './queues';
import type { Boss, QueueName } from './queues';

export interface Launcher {
  store: Store;
  boss: Boss;
  actor: string;
  codeVersion: string;
}

export interface NewRun {
  kind: Prisma.RunCreateInput['kind'];
  method?: Method | null;
  config: Prisma.InputJsonObject;
  seed?: number;
  parentRunId?: string;
  datasetId?: string;
}

/**
 * Launch transactions wait for the audit chain's lock; from a worker whose event loop a training
 * step blocks (the study job) Prisma's 5 s default expires them, so allow a minute.
 */
const LAUNCH_TX = { maxWait: 30000, timeout: 60000 };

export async function createRun(l: Launcher, run: NewRun) {
  return l.store.$transaction(async (tx) => {
    const created = await tx.run.create({
      data: {
        kind: run.kind,
        method: run.method ?? undefined,
        config: run.config,
        seed: run.seed,
        parentRunId: run.parentRunId,
        datasetId: run.datasetId,
        codeVersion: l.codeVersion,
        createdBy: l.actor,
      },
    });
    await appendAudit(tx, {
      actor: l.actor,
      action: 'run.created',
      entity: 'Run',
      entityId: created.id,
      details: { kind: run.kind, method: run.method ?? null, config: run.config, seed: run.seed ?? null, parentRunId: run.parentRunId ?? null },
    });
    return created;
  }, LAUNCH_TX);
}

export async function enqueueRun(l: Launcher, queue: QueueName, runId: string, data: object = {}) {
  try {
    const jobId = await enqueue(l.boss, queue, { runId, ...data });
    return await l.store.run.update({ where: { id: runId }, data: { jobId } });
  } catch (error) {
    await l.store.run.update({
      where: { id: runId },
      data: { status: 'FAILED', error: `could not enqueue: ${(error as Error).message}`, finishedAt: new Date() },
    });
    throw error;
  }
}

async function datasetExists(l: Launcher, id: string) {
  const dataset = isUuid(id) ? await l.store.dataset.findUnique({ where: { id }, select: { id: true } }) : null;
  if (!dataset) throw notFound('dataset', id);
  return dataset.id;
}

// ---- datasets -------------------------------------------------------------------------------

export interface PhantomDatasetRequest {
  name: string;
  site: 'A' | 'B';
  subjects: number;
  seed: number;
}

export async function launchPhantomDataset(l: Launcher, input: PhantomDatasetRequest, parentRunId?: string) {
  if (await l.store.dataset.findUnique({ where: { name: input.name }, select: { id: true } })) {
    throw conflict(`a dataset named ${input.name} exists`);
  }
  const config = { name: input.name, site: input.site, subjects: input.subjects, seed: input.seed };
  const run = await createRun(l, { kind: 'DATASET', config, seed: input.seed, parentRunId });
  return enqueueRun(l, QUEUES.createDataset, run.id);
}

export type ImportLayout = 'ACDC' | 'NIFTI_PAIRS';

export interface ImportRequest {
  name: string;
  /** Relative to the import root, or absolute inside it. */
  path: string;
  layout: ImportLayout;
  site?: 'A' | 'B';
  split?: Split;
}

/**
 * Resolves an import path strictly inside the root: `..`, absolute paths elsewhere and symbolic
 * links that lead out are refused, so a client can only name folders the operator put there.
 */
export function resolveImportPath(root: string, requested: string): string {
  const realRoot = fs.existsSync(root) ? fs.realpathSync(root) : null;
  if (!realRoot) throw badInput(`the import root ${root} does not exist on the server`, 'path');
  const candidate = path.resolve(realRoot, requested);
  if (!fs.existsSync(candidate)) throw badInput(`no such folder under the import root: ${requested}`, 'path');
  const real = fs.realpathSync(candidate);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw badInput(`path ${requested} is outside the import root`, 'path');
  if (!fs.statSync(real).isDirectory()) throw badInput(`path ${requested} is not a folder`, 'path');
  return real;
}

export async function launchImport(l: Launcher, importRoot: string, input: ImportRequest) {
  const folder = resolveImportPath(importRoot, input.path);
  try {
    checkImportFolder(folder, input.layout, importRoot);
  } catch (error) {
    throw error instanceof InvalidInputError ? badInput(`path ${input.path}: ${error.message}`, 'path') : error;
  }
  if (await l.store.dataset.findUnique({ where: { name: input.name }, select: { id: true } })) {
    throw conflict(`a dataset named ${input.name} exists`);
  }
  const root = fs.realpathSync(importRoot);
  const config = { name: input.name, folder, root, layout: input.layout, site: input.site ?? null, split: input.split ?? null };
  const run = await createRun(l, { kind: 'DATASET', config });
  return enqueueRun(l, QUEUES.importDataset, run.id);
}

// ---- training -------------------------------------------------------------------------------

export const DEFAULT_ENSEMBLE_MEMBERS = 5;

export interface TrainingRequest {
  datasetId: string;
  method: Method;
  preset: string;
  epochs?: number;
  seed: number;
  dropoutRate?: number;
  dropoutLayers?: string;
  priorSigma?: number;
  klWeight?: number;
  members?: number;
}

export async function launchTraining(l: Launcher, input: TrainingRequest, parentRunId?: string) {
  const datasetId = await datasetExists(l, input.datasetId);
  const [train, val] = await Promise.all(
    (['TRAIN', 'VAL'] as const).map((split) => l.store.slice.count({ where: { subject: { datasetId, split } } })),
  );
  if (train === 0 || val === 0) throw badInput(`dataset needs TRAIN and VAL slices (has ${train} and ${val})`, 'datasetId');
  const method = ENGINE_METHOD[input.method];
  if (method !== 'mcd' && (input.dropoutRate !== undefined || input.dropoutLayers !== undefined)) {
    throw badInput('dropoutRate and dropoutLayers apply to MC_DROPOUT only', 'dropoutRate');
  }
  if (method !== 'bbb' && (input.priorSigma !== undefined || input.klWeight !== undefined)) {
    throw badInput('priorSigma and klWeight apply to BBB only', 'priorSigma');
  }
  if (method !== 'ensemble' && input.members !== undefined) throw badInput('members applies to ENSEMBLE only', 'members');
  const members = method === 'ensemble' ? (input.members ?? DEFAULT_ENSEMBLE_MEMBERS) : 1;
  const config: Prisma.InputJsonObject = {
    datasetId,
    method,
    preset: input.preset,
    seed: input.seed,
    ...(input.epochs !== undefined ? { epochs: input.epochs } : {}),
    ...(method === 'mcd' ? { dropout: { rate: input.dropoutRate ?? 0.1, layers: input.dropoutLayers ?? 'middle' } } : {}),
    ...(method === 'bbb' ? { bayes: { priorSigma: input.priorSigma ?? 0.1, klWeight: input.klWeight ?? 10 } } : {}),
    ...(method === 'ensemble' ? { members } : {}),
  };
  const run = await createRun(l, { kind: 'TRAIN', method: input.method, config, seed: input.seed, datasetId, parentRunId });
  let queued = run;
  for (let member = 0; member < members; member++) queued = await enqueueRun(l, QUEUES.trainMember, run.id, { member });
  return queued;
}

// ---- evaluations ----------------------------------------------------------------------------

export interface EvaluationRequest {
  trainingRunId: string;
  datasetId: string;
  split?: Split;
  distortion?: { kind: DistortionKind; level: number };
  samples: number;
  storeSamples?: boolean;
  seed: number;
  shardSize: number;
}

/** Checks a request against the store; returns the training run, the slices and the sample count. */
async function planEvaluation(l: Launcher, plan: Omit<EvaluationRequest, 'distortion'>) {
  const training = isUuid(plan.trainingRunId) ? await l.store.run.findUnique({ where: { id: plan.trainingRunId } }) : null;
  if (!training || training.kind !== 'TRAIN') throw notFound('training run', plan.trainingRunId);
  if (training.status !== 'SUCCEEDED') throw badInput(`training run ${training.id} is ${training.status}, not SUCCEEDED`, 'trainingRunId');
  const datasetId = await datasetExists(l, plan.datasetId);
  const slices = await l.store.slice.findMany({
    where: { subject: { datasetId, ...(plan.split ? { split: plan.split } : {}) } },
    select: { id: true },
    orderBy: [{ subjectId: 'asc' }, { phase: 'asc' }, { sliceIndex: 'asc' }],
  });
  if (slices.length === 0) throw badInput(`dataset ${datasetId} has no${plan.split ? ` ${plan.split}` : ''} slices`, 'split');
  let samples = plan.samples;
  if (training.method === 'MC_DROPOUT' || training.method === 'BBB') {
    if (samples < 2) throw badInput(`a ${training.method} model needs samples ≥ 2 (got ${samples})`, 'samples');
  } else if (training.method === 'ENSEMBLE') {
    samples = await l.store.checkpoint.count({ where: { runId: training.id } });
  } else {
    samples = 1;
  }
  return { training, sliceIds: slices.map((s) => s.id), samples };
}

function checkDistortion(kind: DistortionKind, level: number) {
  if (kind === 'NONE' && level !== 0) throw badInput('distortion NONE takes level 0', 'distortion.level');
  if (kind !== 'NONE' && (!Number.isInteger(level) || level < 1 || level > 4)) {
    throw badInput(`${kind} takes a level in 1..4 (got ${level})`, 'distortion.level');
  }
}

async function startEvaluation(
  l: Launcher,
  request: EvaluationRequest & { distortion: { kind: DistortionKind; level: number } },
  plan: Awaited<ReturnType<typeof planEvaluation>>,
  parentRunId?: string,
) {
  const { training, sliceIds, samples } = plan;
  const { kind, level } = request.distortion;
  const config = {
    trainingRunId: training.id,
    datasetId: request.datasetId,
    split: request.split ?? null,
    distortion: { kind, level },
    samples,
    storeSamples: request.storeSamples ?? false,
    shardSize: request.shardSize,
    slices: sliceIds.length,
  };
  const run = await createRun(l, { kind: 'EVALUATE', method: training.method, config, seed: request.seed, parentRunId, datasetId: request.datasetId });
  const checkpoints = await l.store.checkpoint.findMany({ where: { runId: training.id }, select: { id: true } });
  const evaluation = await l.store.$transaction(async (tx) => {
    const created = await tx.evaluation.create({
      data: {
        runId: run.id,
        trainingRunId: training.id,
        datasetId: request.datasetId,
        split: request.split,
        distortionKind: kind,
        distortionLevel: level,
        samples,
        storeSamples: request.storeSamples ?? false,
        calibrationBins: DEFAULT_CALIBRATION_BINS,
        metricVersion: METRIC_VERSION,
        checkpoints: { create: checkpoints.map((c) => ({ checkpointId: c.id })) },
      },
    });
    await appendAudit(tx, {
      actor: l.actor,
      action: 'evaluation.created',
      entity: 'Evaluation',
      entityId: created.id,
      details: { runId: run.id, trainingRunId: training.id, checkpoints: checkpoints.map((c) => c.id) },
    });
    return created;
  }, LAUNCH_TX);
  let queued = run;
  for (let shard = 0; shard * request.shardSize < sliceIds.length; shard++) {
    const shardSlices = sliceIds.slice(shard * request.shardSize, (shard + 1) * request.shardSize);
    queued = await enqueueRun(l, QUEUES.evaluateShard, run.id, { evaluationId: evaluation.id, shard, sliceIds: shardSlices });
  }
  return queued;
}

export async function launchEvaluation(l: Launcher, request: EvaluationRequest, parentRunId?: string) {
  const distortion = request.distortion ?? { kind: 'NONE' as DistortionKind, level: 0 };
  checkDistortion(distortion.kind, distortion.level);
  const plan = await planEvaluation(l, request);
  return startEvaluation(l, { ...request, distortion }, plan, parentRunId);
}

export interface SweepRequest extends Omit<EvaluationRequest, 'distortion' | 'storeSamples'> {
  kinds: DistortionKind[];
  levels: number[];
}

export async function launchSweep(l: Launcher, request: SweepRequest, parentRunId?: string) {
  if (request.kinds.includes('NONE')) throw badInput('kinds are NOISE, BLUR, STRETCH (level 0 is always included)', 'kinds');
  const levels = [...new Set(request.levels)].sort();
  for (const level of levels) checkDistortion('NOISE', level);
  const kinds = [...new Set(request.kinds)];
  const plan = await planEvaluation(l, request);
  const sweep = await createRun(l, {
    kind: 'SWEEP',
    method: plan.training.method,
    config: { trainingRunId: plan.training.id, datasetId: request.datasetId, split: request.split ?? null, kinds, levels, samples: plan.samples },
    seed: request.seed,
    datasetId: request.datasetId,
    parentRunId,
  });
  const distortions: Array<{ kind: DistortionKind; level: number }> = [
    { kind: 'NONE', level: 0 },
    ...kinds.flatMap((kind) => levels.map((level) => ({ kind, level }))),
  ];
  for (const distortion of distortions) await startEvaluation(l, { ...request, distortion }, plan, sweep.id);
  return l.store.run.findUniqueOrThrow({ where: { id: sweep.id } });
}

// ---- cancellation ---------------------------------------------------------------------------

/** Cancels a queued or running run and its descendants; workers stop at their next progress report. */
export async function cancelRun(l: Launcher, id: string) {
  const run = isUuid(id) ? await l.store.run.findUnique({ where: { id } }) : null;
  if (!run) throw notFound('run', id);
  if (!['QUEUED', 'RUNNING'].includes(run.status)) throw conflict(`run ${id} is already ${run.status}`);
  return l.store.$transaction(async (tx) => {
    const ids = [id];
    for (let i = 0; i < ids.length; i++) {
      const children = await tx.run.findMany({ where: { parentRunId: ids[i] }, select: { id: true } });
      ids.push(...children.map((c) => c.id));
    }
    await tx.run.updateMany({
      where: { id: { in: ids }, status: { in: ['QUEUED', 'RUNNING'] } },
      data: { status: 'CANCELLED', finishedAt: new Date() },
    });
    await appendAudit(tx, { actor: l.actor, action: 'run.cancelled', entity: 'Run', entityId: id, details: { previousStatus: run.status, runs: ids.length } });
    return tx.run.findUniqueOrThrow({ where: { id } });
  });
}
