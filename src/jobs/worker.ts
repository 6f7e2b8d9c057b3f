/**
 * A worker: consumes the platform's pg-boss queues with the handlers registered in ./handlers.
 * Many workers, on many machines, may consume the same queues; pg-boss hands each job to one.
 * Each job's data is parsed with its queue's schema (./payloads.ts) before its handler runs.
 */
import type { Job } from 'pg-boss' with { 'resolution-mode': 'import' };
import { isUuid } from '../db/ids';
import { InvalidInputError } from '../engine/errors';
import { parseStored, StoredDataError } from '../domain/stored-data';
import { JOB_HANDLERS } from './handlers';
import type { JobDeps, JobHandler } from './job-handler';
import { JOB_PAYLOADS } from './payloads';
import { QUEUES, RETRY_LIMIT, type QueueName } from './queues';
import { markRunFailed } from './run-lifecycle';

export interface Worker {
  queues: string[];
  stop(): Promise<void>;
}

export interface WorkerOptions extends JobDeps {
  /** The queues to consume (default: all). */
  queues?: readonly QueueName[];
  /** How often an idle worker asks for a job (pg-boss's default: 2 s). */
  pollingIntervalSeconds?: number;
}

/** The run a job belongs to, read even from a payload that fails its schema. */
function runIdOf(data: unknown): string | undefined {
  const runId = (data as { runId?: unknown } | null)?.runId;
  return typeof runId === 'string' && isUuid(runId) ? runId : undefined;
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const { boss } = options;
  const deps: JobDeps = { boss, store: options.store, config: options.config, backend: options.backend };
  const queues: string[] = [];
  for (const queue of options.queues ?? Object.values(QUEUES)) {
    const handler = JOB_HANDLERS[queue] as JobHandler<QueueName>;
    const schema = JOB_PAYLOADS[queue];
    await boss.work(
      queue,
      {
        batchSize: 1,
        localConcurrency: options.config.workerConcurrency,
        ...(options.pollingIntervalSeconds ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}),
      },
      async ([job]: Job<unknown>[]) => {
        const runId = runIdOf(job.data);
        try {
          const data = parseStored(schema, job.data, `job ${job.id} (${queue} payload)`);
          return await handler({ ...job, data }, deps);
        } catch (error) {
          // Bad input, or a malformed payload or stored config, fails the same way on every
          // attempt: fail the run now, do not retry.
          if (runId && (error instanceof InvalidInputError || error instanceof StoredDataError)) {
            await markRunFailed(options.store, runId, error.message);
            return { failed: error.message };
          }
          if (runId && job.retryCount >= RETRY_LIMIT)
            await markRunFailed(options.store, runId, (error as Error).message);
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
