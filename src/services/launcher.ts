/**
 * What every service that starts work needs: the store, the queue and who asks. A launch validates
 * against the store, creates the Run (QUEUED) with its audit event (store/runs.ts), enqueues the
 * pg-boss job(s) and records the job id. If the queue refuses, the run is marked FAILED and the
 * error returned; nothing is left queued without a run or vice versa. Errors are LaunchErrors.
 */
import type { Store } from '../db/client';
import { isUuid } from '../db/ids';
import { enqueue, type Boss, type QueueName } from '../jobs/queues';
import type { PayloadOf } from '../jobs/payloads';
import type { Author } from '../store/runs';
import { notFound } from './errors';

export interface Launcher extends Author {
  store: Store;
  boss: Boss;
}

/** Enqueues one job of a run (its payload minus the run id) and records the job on the run. */
export async function enqueueRun<Q extends QueueName>(
  l: Launcher,
  queue: Q,
  runId: string,
  data: Omit<PayloadOf<Q>, 'runId'>,
) {
  try {
    const jobId = await enqueue(l.boss, queue, { ...data, runId } as PayloadOf<Q>);
    return await l.store.run.update({ where: { id: runId }, data: { jobId } });
  } catch (error) {
    await l.store.run.update({
      where: { id: runId },
      data: { status: 'FAILED', error: `could not enqueue: ${(error as Error).message}`, finishedAt: new Date() },
    });
    throw error;
  }
}

export async function datasetExists(l: Launcher, id: string): Promise<string> {
  const dataset = isUuid(id) ? await l.store.dataset.findUnique({ where: { id }, select: { id: true } }) : null;
  if (!dataset) throw notFound('dataset', id);
  return dataset.id;
}
