import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { DistortionKind, Split } from '../db/generated/enums';
import { appendAudit } from '../db/audit';
import { METRIC_VERSION } from '../engine/metrics/slice-evaluation';
import { DEFAULT_CALIBRATION_BINS } from '../engine/metrics/calibration';
import { QUEUES } from '../jobs/queues';
import { DistortionSweepInput, EvaluationInput } from '../schema/evaluation.input';
import { Run } from '../schema/run.type';
import type { ApiContext } from './context';
import { createRun, enqueueRun } from './enqueue-run';
import { badInput, conflict, notFound } from './errors';
import { isUuid } from './paginate';

interface EvaluationPlan {
  trainingRunId: string;
  datasetId: string;
  split?: Split;
  kind: DistortionKind;
  level: number;
  samples: number;
  storeSamples: boolean;
  seed: number;
  shardSize: number;
}

/** Checks a plan against the store; returns the slices it covers and the sample count it uses. */
async function validatePlan(ctx: ApiContext, plan: Omit<EvaluationPlan, 'kind' | 'level'>) {
  const training = isUuid(plan.trainingRunId) ? await ctx.store.run.findUnique({ where: { id: plan.trainingRunId } }) : null;
  if (!training || training.kind !== 'TRAIN') throw notFound('training run', plan.trainingRunId);
  if (training.status !== 'SUCCEEDED') throw badInput(`training run ${training.id} is ${training.status}, not SUCCEEDED`, 'trainingRunId');
  const dataset = isUuid(plan.datasetId) ? await ctx.store.dataset.findUnique({ where: { id: plan.datasetId }, select: { id: true } }) : null;
  if (!dataset) throw notFound('dataset', plan.datasetId);
  const slices = await ctx.store.slice.findMany({
    where: { subject: { datasetId: dataset.id, ...(plan.split ? { split: plan.split } : {}) } },
    select: { id: true },
    orderBy: [{ subjectId: 'asc' }, { phase: 'asc' }, { sliceIndex: 'asc' }],
  });
  if (slices.length === 0) throw badInput(`dataset ${dataset.id} has no ${plan.split ?? ''} slices`.replace('  ', ' '), 'split');
  let samples = plan.samples;
  if (training.method === 'MC_DROPOUT' || training.method === 'BBB') {
    if (samples < 2) throw badInput(`a ${training.method} model needs samples ≥ 2 (got ${samples})`, 'samples');
  } else if (training.method === 'ENSEMBLE') {
    samples = await ctx.store.checkpoint.count({ where: { runId: training.id } });
  } else {
    samples = 1;
  }
  return { training, sliceIds: slices.map((s) => s.id), samples };
}

function checkDistortion(kind: DistortionKind, level: number) {
  if (kind === 'NONE' && level !== 0) throw badInput('distortion NONE takes level 0', 'distortion.level');
  if (kind !== 'NONE' && (level < 1 || level > 4)) throw badInput(`${kind} takes a level in 1..4 (got ${level})`, 'distortion.level');
}

async function startOne(
  ctx: ApiContext,
  plan: EvaluationPlan,
  checked: Awaited<ReturnType<typeof validatePlan>>,
  parentRunId?: string,
) {
  const { training, sliceIds, samples } = checked;
  const config = {
    trainingRunId: plan.trainingRunId,
    datasetId: plan.datasetId,
    split: plan.split ?? null,
    distortion: { kind: plan.kind, level: plan.level },
    samples,
    storeSamples: plan.storeSamples,
    shardSize: plan.shardSize,
    slices: sliceIds.length,
  };
  const run = await createRun(ctx, {
    kind: 'EVALUATE',
    method: training.method ?? undefined,
    config,
    seed: plan.seed,
    parentRunId,
    datasetId: plan.datasetId,
  });
  const checkpoints = await ctx.store.checkpoint.findMany({ where: { runId: training.id }, select: { id: true } });
  const evaluation = await ctx.store.$transaction(async (tx) => {
    const created = await tx.evaluation.create({
      data: {
        runId: run.id,
        trainingRunId: training.id,
        datasetId: plan.datasetId,
        split: plan.split,
        distortionKind: plan.kind,
        distortionLevel: plan.level,
        samples,
        storeSamples: plan.storeSamples,
        calibrationBins: DEFAULT_CALIBRATION_BINS,
        metricVersion: METRIC_VERSION,
        checkpoints: { create: checkpoints.map((c) => ({ checkpointId: c.id })) },
      },
    });
    await appendAudit(tx, {
      actor: ctx.actor,
      action: 'evaluation.created',
      entity: 'Evaluation',
      entityId: created.id,
      details: { runId: run.id, trainingRunId: training.id, checkpoints: checkpoints.map((c) => c.id) },
    });
    return created;
  });
  let queued = run;
  for (let shard = 0; shard * plan.shardSize < sliceIds.length; shard++) {
    const shardSlices = sliceIds.slice(shard * plan.shardSize, (shard + 1) * plan.shardSize);
    queued = await enqueueRun(ctx, QUEUES.evaluateShard, run.id, { evaluationId: evaluation.id, shard, sliceIds: shardSlices });
  }
  return queued;
}

@Resolver()
export class EvaluationMutations {
  @Mutation(() => Run, { description: 'Evaluate a trained model on a dataset (sharded jobs); returns its run at once' })
  async startEvaluation(@Arg('input', () => EvaluationInput) input: EvaluationInput, @Ctx() ctx: ApiContext) {
    const kind = input.distortion?.kind ?? 'NONE';
    const level = input.distortion?.level ?? 0;
    checkDistortion(kind, level);
    const checked = await validatePlan(ctx, input);
    return startOne(ctx, { ...input, kind, level }, checked);
  }

  @Mutation(() => Run, { description: 'Evaluate at every kind × level (plus undistorted) as child evaluation runs' })
  async startDistortionSweep(@Arg('input', () => DistortionSweepInput) input: DistortionSweepInput, @Ctx() ctx: ApiContext) {
    if (input.kinds.includes('NONE')) throw badInput('kinds are NOISE, BLUR, STRETCH (level 0 is always included)', 'kinds');
    const checked = await validatePlan(ctx, { ...input, storeSamples: false });
    const levels = [...new Set(input.levels)].sort();
    const kinds = [...new Set(input.kinds)];
    const sweep = await createRun(ctx, {
      kind: 'SWEEP',
      method: checked.training.method ?? undefined,
      config: { trainingRunId: input.trainingRunId, datasetId: input.datasetId, split: input.split ?? null, kinds, levels, samples: checked.samples },
      seed: input.seed,
      datasetId: input.datasetId,
    });
    const plans: Array<[DistortionKind, number]> = [['NONE', 0], ...kinds.flatMap((k) => levels.map((l) => [k, l] as [DistortionKind, number]))];
    for (const [kind, level] of plans) {
      await startOne(ctx, { ...input, storeSamples: false, kind, level }, checked, sweep.id);
    }
    return ctx.store.run.findUniqueOrThrow({ where: { id: sweep.id } });
  }

  @Mutation(() => Run, { description: 'Cancel a queued or running run (and its child runs)' })
  async cancelRun(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    const run = isUuid(id) ? await ctx.store.run.findUnique({ where: { id } }) : null;
    if (!run) throw notFound('run', id);
    if (!['QUEUED', 'RUNNING'].includes(run.status)) throw conflict(`run ${id} is already ${run.status}`);
    return ctx.store.$transaction(async (tx) => {
      const where = { status: { in: ['QUEUED', 'RUNNING'] as Array<'QUEUED' | 'RUNNING'> } };
      await tx.run.updateMany({ where: { ...where, OR: [{ id }, { parentRunId: id }] }, data: { status: 'CANCELLED', finishedAt: new Date() } });
      await appendAudit(tx, { actor: ctx.actor, action: 'run.cancelled', entity: 'Run', entityId: id, details: { previousStatus: run.status } });
      return tx.run.findUniqueOrThrow({ where: { id } });
    });
  }
}
