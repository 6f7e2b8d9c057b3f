/**
 * Launching a training: one run, one `train-member` job per network (ensemble members are separate
 * jobs). An ensemble may take its member 0 from a finished PLAIN run of the same dataset, preset,
 * seed and epochs (`member0From`): that member is the same network, so its checkpoint is copied
 * (same weights SHA-256, with its epoch history and a `checkpoint.adopted` audit event) instead of
 * trained again (docs/design.md "The study").
 */
import type { Method } from '../db/generated/enums';
import { appendAudit } from '../db/audit';
import { DIGEST_VERSION, checkpointDigest } from '../db/result-digest';
import { DEFAULT_ENSEMBLE_MEMBERS } from '../domain/constants';
import { ENGINE_METHOD } from '../domain/methods';
import { runConfig, type TrainRunConfig } from '../domain/run-config';
import type { PresetName } from '../engine/models/presets';
import { DEFAULT_BAYES, DEFAULT_DROPOUT } from '../engine/training/resolve-config';
import { QUEUES } from '../jobs/queues';
import { createRun } from '../store/runs';
import { countUnlabelled } from '../store/slice-labels';
import { badInput, labelsMissing } from './errors';
import { datasetExists, enqueueRun, type Launcher } from './launcher';

export interface TrainingRequest {
  datasetId: string;
  method: Method;
  preset: PresetName;
  epochs?: number;
  seed: number;
  dropoutRate?: number;
  dropoutLayers?: 'middle' | 'all';
  priorSigma?: number;
  klWeight?: number;
  members?: number;
  /** ENSEMBLE: a SUCCEEDED PLAIN run whose checkpoint becomes member 0. */
  member0From?: string;
}

/** The PLAIN run to take member 0 from, checked to be the same network as member 0 of `config`. */
async function member0Source(l: Launcher, config: TrainRunConfig, runId: string) {
  const source = await l.store.run.findUnique({ where: { id: runId }, include: { checkpoints: true } });
  if (!source || source.kind !== 'TRAIN' || source.method !== 'PLAIN' || source.status !== 'SUCCEEDED')
    throw badInput(`member0From ${runId} is not a SUCCEEDED PLAIN training run`, 'member0From');
  const c = runConfig(source, 'TRAIN');
  const same = source.datasetId === config.datasetId && c.preset === config.preset && c.seed === config.seed;
  if (!same || (c.epochs ?? null) !== (config.epochs ?? null) || source.checkpoints.length !== 1)
    throw badInput(`member0From ${runId} differs from member 0 (dataset, preset, seed or epochs)`, 'member0From');
  return { run: source, checkpoint: source.checkpoints[0] };
}

export async function launchTraining(l: Launcher, input: TrainingRequest, parentRunId?: string) {
  const datasetId = await datasetExists(l, input.datasetId);
  const [train, val] = await Promise.all(
    (['TRAIN', 'VAL'] as const).map((split) => l.store.slice.count({ where: { subject: { datasetId, split } } })),
  );
  if (train === 0 || val === 0)
    throw badInput(`dataset needs TRAIN and VAL slices (has ${train} and ${val})`, 'datasetId');
  const missing = await countUnlabelled(l.store, { subject: { datasetId, split: { in: ['TRAIN', 'VAL'] } } });
  if (missing > 0) throw labelsMissing(`dataset ${datasetId} TRAIN and VAL`, missing, train + val);
  const method = ENGINE_METHOD[input.method];
  if (method !== 'mcd' && (input.dropoutRate !== undefined || input.dropoutLayers !== undefined)) {
    throw badInput('dropoutRate and dropoutLayers apply to MC_DROPOUT only', 'dropoutRate');
  }
  if (method !== 'bbb' && (input.priorSigma !== undefined || input.klWeight !== undefined)) {
    throw badInput('priorSigma and klWeight apply to BBB only', 'priorSigma');
  }
  if (method !== 'ensemble' && (input.members !== undefined || input.member0From !== undefined))
    throw badInput('members and member0From apply to ENSEMBLE only', 'members');
  const members = method === 'ensemble' ? (input.members ?? DEFAULT_ENSEMBLE_MEMBERS) : 1;
  const config: TrainRunConfig = {
    datasetId,
    method,
    preset: input.preset,
    seed: input.seed,
    ...(input.epochs !== undefined ? { epochs: input.epochs } : {}),
    ...(method === 'mcd'
      ? {
          dropout: {
            rate: input.dropoutRate ?? DEFAULT_DROPOUT.rate,
            layers: input.dropoutLayers ?? DEFAULT_DROPOUT.layers,
          },
        }
      : {}),
    ...(method === 'bbb'
      ? {
          bayes: {
            priorSigma: input.priorSigma ?? DEFAULT_BAYES.priorSigma,
            klWeight: input.klWeight ?? DEFAULT_BAYES.klWeight,
          },
        }
      : {}),
    ...(method === 'ensemble' ? { members } : {}),
    ...(input.member0From !== undefined ? { member0From: input.member0From } : {}),
  };
  const adopted = config.member0From !== undefined ? await member0Source(l, config, config.member0From) : null;
  const run = await createRun(l.store, l, {
    kind: 'TRAIN',
    method: input.method,
    config,
    seed: input.seed,
    datasetId,
    parentRunId,
  });
  if (adopted) await adoptMember0(l, run.id, adopted, members === 1);
  let queued = run;
  for (let member = adopted ? 1 : 0; member < members; member++)
    queued = await enqueueRun(l, QUEUES.trainMember, run.id, { member });
  return adopted && members === 1 ? l.store.run.findUniqueOrThrow({ where: { id: run.id } }) : queued;
}

/** Copies the source's checkpoint and epochs as member 0 of `runId`; `last`: that completes the run. */
async function adoptMember0(
  l: Launcher,
  runId: string,
  source: Awaited<ReturnType<typeof member0Source>>,
  last: boolean,
) {
  const { run, checkpoint: c } = source;
  await l.store.$transaction(async (tx) => {
    const epochs = await tx.trainingEpoch.findMany({ where: { runId: run.id, member: 0 } });
    await tx.trainingEpoch.createMany({
      data: epochs.map(({ createdAt: _createdAt, ...e }) => ({ ...e, runId })),
      skipDuplicates: true,
    });
    const { id: _id, createdAt: _createdAt, runId: _runId, config, layerStats, ...rest } = c;
    const checkpoint = await tx.checkpoint.create({
      data: { ...rest, runId, member: 0, config: config as object, layerStats: layerStats ?? undefined },
    });
    await appendAudit(tx, {
      actor: l.actor,
      action: 'checkpoint.adopted',
      entity: 'Checkpoint',
      entityId: checkpoint.id,
      details: {
        runId,
        member: 0,
        fromRunId: run.id,
        fromCheckpointId: c.id,
        weightsSha256: c.weightsSha256,
        digest: await checkpointDigest(tx, checkpoint.id),
        digestVersion: DIGEST_VERSION,
      },
    });
    if (last)
      await tx.run.update({
        where: { id: runId },
        data: { status: 'SUCCEEDED', progress: 1, startedAt: new Date(), finishedAt: new Date() },
      });
  });
}
