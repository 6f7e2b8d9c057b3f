/**
 * A Run's life inside a worker: RUNNING with backend and start time, throttled progress
 * (fraction, stage, ETA), cancellation noticed at each progress report, then SUCCEEDED, FAILED
 * or CANCELLED. A retried job finds its Run RUNNING again and simply carries on; a Run already
 * finished or cancelled is left alone (the job completes without doing the work twice).
 */
import type { Store } from '../db/client';
import { ACTIVE_WHERE, isFinished } from '../domain/constants';

export class RunCancelledError extends Error {
  constructor(runId: string) {
    super(`run ${runId} was cancelled`);
    this.name = 'RunCancelledError';
  }
}

export interface RunContext {
  runId: string;
  /** Aborted when the run is cancelled or pg-boss stops/expires the job. */
  signal: AbortSignal;
  /** Reports progress; writes at most every `minIntervalMs` unless `force`; throws when cancelled. */
  progress(update: { fraction: number; stage?: string; etaSeconds?: number | null }, force?: boolean): Promise<void>;
}

export async function withRun<T>(
  store: Store,
  runId: string,
  options: {
    backend?: string;
    jobSignal?: AbortSignal;
    minIntervalMs?: number;
    /** Whether the whole run is done after this job (runs split into several jobs); default yes. */
    complete?: () => Promise<boolean>;
  },
  work: (ctx: RunContext) => Promise<T>,
): Promise<T | undefined> {
  const run = await store.run.findUnique({ where: { id: runId }, select: { status: true, parentRunId: true } });
  if (!run) throw new Error(`run ${runId} does not exist`);
  if (isFinished(run.status)) return undefined;
  // The first job of a run sets the start time; later jobs (other members, shards) keep it.
  await store.run.updateMany({ where: { id: runId, startedAt: null }, data: { startedAt: new Date() } });
  await store.run.update({ where: { id: runId }, data: { status: 'RUNNING', backend: options.backend, error: null } });
  if (run.parentRunId) {
    await store.run.updateMany({
      where: { id: run.parentRunId, status: 'QUEUED' },
      data: { status: 'RUNNING', startedAt: new Date() },
    });
  }
  const controller = new AbortController();
  options.jobSignal?.addEventListener('abort', () => controller.abort(options.jobSignal?.reason));
  const minIntervalMs = options.minIntervalMs ?? 1000;
  let lastWrite = 0;
  const ctx: RunContext = {
    runId,
    signal: controller.signal,
    async progress(update, force = false) {
      const now = Date.now();
      if (!force && now - lastWrite < minIntervalMs) {
        if (controller.signal.aborted) throw new RunCancelledError(runId);
        return;
      }
      lastWrite = now;
      // Only a RUNNING run takes progress; a cancelled one stops the work.
      const updated = await store.run.updateMany({
        where: { id: runId, status: 'RUNNING' },
        data: {
          progress: Math.min(1, Math.max(0, update.fraction)),
          stage: update.stage,
          etaSeconds: update.etaSeconds ?? null,
        },
      });
      if (updated.count === 0) {
        controller.abort(new RunCancelledError(runId));
        throw new RunCancelledError(runId);
      }
    },
  };
  try {
    const result = await work(ctx);
    if (options.complete && !(await options.complete())) return result;
    await store.run.updateMany({
      where: { id: runId, status: 'RUNNING' },
      data: { status: 'SUCCEEDED', progress: 1, etaSeconds: 0, finishedAt: new Date() },
    });
    if (run.parentRunId) await settleParent(store, run.parentRunId);
    return result;
  } catch (error) {
    const current = await store.run.findUnique({ where: { id: runId }, select: { status: true } });
    if (current?.status === 'CANCELLED' || error instanceof RunCancelledError) return undefined;
    // The job may be retried by pg-boss; leave the run RUNNING with the error so a retry carries on,
    // and mark it FAILED only when the caller says this was the last attempt.
    await store.run.update({ where: { id: runId }, data: { error: (error as Error).message } });
    throw error;
  }
}

/**
 * A parent run (a sweep) follows its children: progress is their mean; it succeeds when all
 * have, and fails when all have finished and one failed. A STUDY parent is left alone: it launches
 * its children in stages and settles itself (jobs/handlers/study-step.ts).
 */
export async function settleParent(store: Store, parentRunId: string): Promise<void> {
  const children = await store.run.findMany({ where: { parentRunId }, select: { status: true, progress: true } });
  if (children.length === 0) return;
  const progress = children.reduce((sum, c) => sum + c.progress, 0) / children.length;
  const allFinished = children.every((c) => isFinished(c.status));
  const failed = children.some((c) => c.status === 'FAILED');
  await store.run.updateMany({
    where: { id: parentRunId, status: ACTIVE_WHERE, kind: { not: 'STUDY' } },
    data: allFinished
      ? {
          status: failed ? 'FAILED' : 'SUCCEEDED',
          progress: 1,
          finishedAt: new Date(),
          ...(failed ? { error: 'a child run failed' } : {}),
        }
      : { progress },
  });
}

export async function markRunFailed(store: Store, runId: string, message: string): Promise<void> {
  await store.run.updateMany({
    where: { id: runId, status: ACTIVE_WHERE },
    data: { status: 'FAILED', error: message, finishedAt: new Date() },
  });
  const run = await store.run.findUnique({ where: { id: runId }, select: { parentRunId: true } });
  if (run?.parentRunId) await settleParent(store, run.parentRunId);
}
