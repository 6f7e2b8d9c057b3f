/**
 * Temperature scaling (docs/design.md "Temperature scaling"): `launchTemperatureFit` starts a
 * CALIBRATE run whose one `fit-temperature` job fits the training run's temperature on the
 * validation split of the dataset it was trained on; evaluations apply the newest fit on request.
 */
import type { CalibrateRunConfig } from '../domain/run-config';
import { QUEUES } from '../jobs/queues';
import { createRun } from '../store/runs';
import { countUnlabelled } from '../store/slice-labels';
import { badInput, labelsMissing } from './errors';
import { samplesDrawn, succeededTraining } from './evaluations';
import { enqueueRun, type Launcher } from './launcher';

/** As for evaluations (schema/evaluation.input.ts). */
const MAX_SAMPLES = 500;

export interface TemperatureFitRequest {
  trainingRunId: string;
  /** Posterior samples per validation slice (MC Dropout, BBB: ≥ 2; plain 1; ensemble M). */
  samples: number;
  seed: number;
}

export async function launchTemperatureFit(l: Launcher, request: TemperatureFitRequest, parentRunId?: string) {
  if (!Number.isInteger(request.samples) || request.samples < 1 || request.samples > MAX_SAMPLES)
    throw badInput(`samples must be an integer in 1..${MAX_SAMPLES} (got ${request.samples})`, 'samples');
  if (!Number.isInteger(request.seed) || request.seed < 0 || request.seed > 2 ** 31 - 1)
    throw badInput(`seed must be an integer in 0..2^31 − 1 (got ${request.seed})`, 'seed');
  const training = await succeededTraining(l, request.trainingRunId);
  const datasetId = training.datasetId;
  if (!datasetId) throw badInput(`training run ${training.id} names no dataset`, 'trainingRunId');
  const scope = { subject: { datasetId, split: 'VAL' as const } };
  const slices = await l.store.slice.count({ where: scope });
  if (slices === 0) throw badInput(`dataset ${datasetId} has no VAL slices to fit a temperature on`, 'trainingRunId');
  const missing = await countUnlabelled(l.store, scope);
  if (missing > 0) throw labelsMissing(`dataset ${datasetId} VAL`, missing, slices);
  const config: CalibrateRunConfig = {
    trainingRunId: training.id,
    datasetId,
    split: 'VAL',
    samples: await samplesDrawn(l, training, request.samples),
    slices,
  };
  const run = await createRun(l.store, l, {
    kind: 'CALIBRATE',
    method: training.method,
    config,
    seed: request.seed,
    datasetId,
    parentRunId,
  });
  return enqueueRun(l, QUEUES.fitTemperature, run.id, {});
}
