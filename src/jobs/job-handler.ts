/** What a job handler is: the queue's parsed payload in, work on the engine and the store. */
import type { Job } from 'pg-boss' with { 'resolution-mode': 'import' };
import type { Config } from '../config';
import type { Store } from '../db/client';
import type { PayloadOf } from './payloads';
import type { Boss, QueueName } from './queues';

export interface JobDeps {
  boss: Boss;
  store: Store;
  config: Config;
  backend: string;
}

/** A handler of queue Q; `job.data` has been parsed with the queue's schema (jobs/payloads.ts). */
export type JobHandler<Q extends QueueName> = (job: Job<PayloadOf<Q>>, deps: JobDeps) => Promise<unknown>;
