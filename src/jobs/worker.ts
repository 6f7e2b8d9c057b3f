/**
 * A worker: consumes the platform's pg-boss queues with the handlers registered in ./handlers.
 * Many workers, on many machines, may consume the same queues; pg-boss hands each job to one.
 */
import type { Job } from 'pg-boss' with { 'resolution-mode': 'import' };
import type { Config } from '../config';
import { InvalidInputError } from '../engine/errors';
import type { Store } from '../db/client';
import { JOB_HANDLERS } from './handlers';
import { RETRY_LIMIT } from './queues';
import type { Boss } from './queues';
import { markRunFailed } from './run-lifecycle';

export interface Worker {
  queues: string[];
  stop(): Promise<void>;
}

export async function startWorker(options: { boss: Boss; store: Store; config: Config; backend: string }): Promise<Worker> {
  const { boss } = options;
  const queues: string[] = [];
  for (const [queue, handler] of Object.entries(JOB_HANDLERS)) {
    await boss.work(
      queue,
      { batchSize: 1, localConcurrency: options.config.workerConcurrency },
      async ([job]) => {
        try {
          return await handler!(job as Job<object>, options);
        } catch (error) {
          const runId = (job.data as { runId?: string }).runId;
          // Bad input fails the same way on every attempt: fail the run now, do not retry.
          if (runId && error instanceof InvalidInputError) {
            await markRunFailed(options.store, runId, error.message);
            return { failed: error.message };
          }
          if (runId && job.retryCount >= RETRY_LIMIT) await markRunFailed(options.store, runId, (error as Error).message);
          throw error;
        }
      },
    );
    queues.push(queue);
  }
  return {
    queues,
    async stop() {
      // Stop fetching without waiting for the jobs in hand (a training job runs for minutes): the
      // graceful boss.stop() that follows gives them its timeout, then aborts their signal; an
      // aborted job is retried later and a training run resumes from its last finished epoch.
      for (const queue of queues) await boss.offWork(queue, { wait: false });
    },
  };
}
