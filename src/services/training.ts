/** Launching a training: one run, one `train-member` job per network (ensemble members are separate jobs). */
import type { Method } from '../db/generated/enums';
import { DEFAULT_ENSEMBLE_MEMBERS } from '../domain/constants';
import { ENGINE_METHOD } from '../domain/methods';
import type { TrainRunConfig } from '../domain/run-config';
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
  if (method !== 'ensemble' && input.members !== undefined)
    throw badInput('members applies to ENSEMBLE only', 'members');
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
  };
  const run = await createRun(l.store, l, {
    kind: 'TRAIN',
    method: input.method,
    config,
    seed: input.seed,
    datasetId,
    parentRunId,
  });
  let queued = run;
  for (let member = 0; member < members; member++) queued = await enqueueRun(l, QUEUES.trainMember, run.id, { member });
  return queued;
}
