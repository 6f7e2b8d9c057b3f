/**
 * Launching an inference (docs/design.md "Inference"): one INFER run with its Inference row,
 * sharded into `infer-shard` jobs of `shardSize` slices, on a dataset that may have no labels.
 * The model is a SUCCEEDED training run (all its checkpoints) or chosen checkpoints of one
 * training run. Everything is checked before anything is written: an unknown training run,
 * checkpoint, dataset or policy (NOT_FOUND); checkpoints of several runs, T < 1, an empty dataset,
 * a policy chosen for another model — another training run, or other checkpoints of it — or, for
 * a sampling model (MC Dropout, BBB), at another T (BAD_USER_INPUT, the message saying which).
 */
import { isUuid } from '../db/ids';
import type { InferRunConfig } from '../domain/run-config';
import { QUEUES } from '../jobs/queues';
import { createInference } from '../store/inferences';
import { createRun } from '../store/runs';
import { badInput, notFound } from './errors';
import { enqueueRun, type Launcher } from './launcher';

export interface InferenceRequest {
  /** The model: a training run (every checkpoint) … */
  trainingRunId?: string;
  /** … or chosen checkpoints of one training run. */
  checkpointIds?: string[];
  datasetId: string;
  /** Posterior samples T (plain models give 1, ensembles one per member). */
  samples: number;
  policyId?: string;
  seed?: number;
  shardSize?: number;
}

export const DEFAULT_INFERENCE_SHARD_SIZE = 16;

/** The training run and its checkpoints (member order) the request names. */
async function resolveModel(l: Launcher, r: InferenceRequest) {
  if ((r.trainingRunId === undefined) === (r.checkpointIds === undefined || r.checkpointIds.length === 0))
    throw badInput('give either trainingRunId or checkpointIds', 'trainingRunId');
  let trainingRunId = r.trainingRunId;
  if (r.checkpointIds) {
    const ids = [...new Set(r.checkpointIds)];
    const bad = ids.find((id) => !isUuid(id));
    if (bad) throw notFound('checkpoint', bad);
    const found = await l.store.checkpoint.findMany({ where: { id: { in: ids } }, select: { id: true, runId: true } });
    const missing = ids.find((id) => !found.some((c) => c.id === id));
    if (missing) throw notFound('checkpoint', missing);
    const runs = [...new Set(found.map((c) => c.runId))];
    if (runs.length > 1)
      throw badInput(
        `the checkpoints belong to ${runs.length} training runs; an inference samples one model`,
        'checkpointIds',
      );
    trainingRunId = runs[0];
  }
  const training = isUuid(trainingRunId!) ? await l.store.run.findUnique({ where: { id: trainingRunId } }) : null;
  if (!training || training.kind !== 'TRAIN') throw notFound('training run', trainingRunId!);
  if (training.status !== 'SUCCEEDED')
    throw badInput(`training run ${training.id} is ${training.status}, not SUCCEEDED`, 'trainingRunId');
  const checkpoints = await l.store.checkpoint.findMany({
    where: { runId: training.id, ...(r.checkpointIds ? { id: { in: r.checkpointIds } } : {}) },
    select: { id: true },
    orderBy: { member: 'asc' },
  });
  if (checkpoints.length === 0) throw badInput(`training run ${training.id} has no checkpoints`, 'trainingRunId');
  return { training, checkpointIds: checkpoints.map((c) => c.id) };
}

/** The policy, checked to belong to this model: its training run and the checkpoints it was evaluated with. */
async function resolvePolicy(l: Launcher, policyId: string, trainingRunId: string, checkpointIds: string[]) {
  const policy = isUuid(policyId)
    ? await l.store.policy.findUnique({
        where: { id: policyId },
        include: { evaluation: { include: { checkpoints: { select: { checkpointId: true } } } } },
      })
    : null;
  if (!policy) throw notFound('policy', policyId);
  if (policy.trainingRunId !== trainingRunId)
    throw badInput(
      `POLICY_MODEL_MISMATCH: policy "${policy.name}" was chosen for training run ${policy.trainingRunId}, not ${trainingRunId}; its thresholds mean nothing for another model`,
      'policyId',
    );
  const evaluated = policy.evaluation.checkpoints.map((c) => c.checkpointId).sort();
  if (evaluated.join() !== [...checkpointIds].sort().join())
    throw badInput(
      `POLICY_MODEL_MISMATCH: policy "${policy.name}" was chosen with checkpoints ${evaluated.join(', ')}, not ${checkpointIds.join(', ')}`,
      'policyId',
    );
  return policy;
}

export async function startInference(l: Launcher, request: InferenceRequest) {
  if (!Number.isInteger(request.samples) || request.samples < 1)
    throw badInput(`samples must be an integer ≥ 1 (got ${request.samples})`, 'samples');
  const shardSize = request.shardSize ?? DEFAULT_INFERENCE_SHARD_SIZE;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw badInput('shardSize must be an integer ≥ 1', 'shardSize');
  const seed = request.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw badInput('seed must be a non-negative integer', 'seed');
  const { training, checkpointIds } = await resolveModel(l, request);
  const dataset = isUuid(request.datasetId)
    ? await l.store.dataset.findUnique({ where: { id: request.datasetId }, select: { id: true, contentHash: true } })
    : null;
  if (!dataset) throw notFound('dataset', request.datasetId);
  const policy =
    request.policyId === undefined ? null : await resolvePolicy(l, request.policyId, training.id, checkpointIds);
  const slices = await l.store.slice.findMany({
    where: { subject: { datasetId: dataset.id } },
    select: { id: true },
    orderBy: [{ subjectId: 'asc' }, { phase: 'asc' }, { sliceIndex: 'asc' }],
  });
  if (slices.length === 0) throw badInput(`dataset ${dataset.id} has no slices`, 'datasetId');
  // What sampleProbabilities returns: a plain model one sample, an ensemble one per member.
  const samples =
    training.method === 'PLAIN' ? 1 : training.method === 'ENSEMBLE' ? checkpointIds.length : request.samples;
  // Entropy, MI and the within-sample measures depend on T, so a threshold chosen at one T makes
  // no promise at another (plain models and ensembles draw a fixed number whatever T is asked).
  if (
    policy &&
    (training.method === 'MC_DROPOUT' || training.method === 'BBB') &&
    policy.evaluation.samples !== samples
  )
    throw badInput(
      `POLICY_SAMPLES_MISMATCH: policy "${policy.name}" was chosen at T = ${policy.evaluation.samples}; infer with samples: ${policy.evaluation.samples} (its thresholds depend on T)`,
      'samples',
    );
  const config: InferRunConfig = {
    trainingRunId: training.id,
    checkpointIds,
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    policyId: policy?.id ?? null,
    samples,
    shardSize,
    slices: slices.length,
  };
  const run = await createRun(l.store, l, {
    kind: 'INFER',
    method: training.method,
    config,
    seed,
    datasetId: dataset.id,
  });
  const inference = await createInference(l.store, l.actor, {
    runId: run.id,
    trainingRunId: training.id,
    checkpointIds,
    datasetId: dataset.id,
    policyId: policy?.id ?? null,
    samples,
  });
  let queued = run;
  for (let shard = 0; shard * shardSize < slices.length; shard++) {
    queued = await enqueueRun(l, QUEUES.inferShard, run.id, {
      inferenceId: inference.id,
      shard,
      sliceIds: slices.slice(shard * shardSize, (shard + 1) * shardSize).map((s) => s.id),
    });
  }
  return queued;
}
