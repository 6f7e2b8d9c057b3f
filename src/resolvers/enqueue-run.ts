/**
 * Mutations that start work all do the same: create the Run (QUEUED) with its audit event in one
 * transaction, enqueue the pg-boss job, and record the job id. If the queue refuses, the run is
 * marked FAILED and the error returned; nothing is left queued without a run or vice versa.
 */
import type { Prisma } from '../db/generated/client';
import { appendAudit } from '../db/audit';
import { enqueue } from '../jobs/queues';
import type { QueueName } from '../jobs/queues';
import type { ApiContext } from './context';

export interface NewRun {
  kind: Prisma.RunCreateInput['kind'];
  method?: Prisma.RunCreateInput['method'];
  config: Prisma.InputJsonObject;
  seed?: number;
  parentRunId?: string;
  datasetId?: string;
}

export async function createRun(ctx: ApiContext, run: NewRun) {
  return ctx.store.$transaction(async (tx) => {
    const created = await tx.run.create({
      data: {
        kind: run.kind,
        method: run.method,
        config: run.config,
        seed: run.seed,
        parentRunId: run.parentRunId,
        datasetId: run.datasetId,
        codeVersion: ctx.config.version,
        createdBy: ctx.actor,
      },
    });
    await appendAudit(tx, {
      actor: ctx.actor,
      action: `run.created`,
      entity: 'Run',
      entityId: created.id,
      details: { kind: run.kind, method: run.method ?? null, config: run.config, seed: run.seed ?? null },
    });
    return created;
  });
}

export async function enqueueRun(ctx: ApiContext, queue: QueueName, runId: string, data: object = {}) {
  try {
    const jobId = await enqueue(ctx.boss, queue, { runId, ...data });
    return await ctx.store.run.update({ where: { id: runId }, data: { jobId } });
  } catch (error) {
    await ctx.store.run.update({
      where: { id: runId },
      data: { status: 'FAILED', error: `could not enqueue: ${(error as Error).message}`, finishedAt: new Date() },
    });
    throw error;
  }
}
