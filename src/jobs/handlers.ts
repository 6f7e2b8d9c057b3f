/** Queue → handler registry. Each handler lives in its own module named for the work it does. */
import type { Job } from 'pg-boss' with { 'resolution-mode': 'import' };
import type { Config } from '../config';
import type { Store } from '../db/client';
import type { Boss, QueueName } from './queues';
import { QUEUES } from './queues';
import { createPhantomDataset } from './create-phantom-dataset';
import { trainMember } from './train-member';
import { evaluateShard } from './evaluate-shard';
import { studyStep } from './study';
import { importDataset } from './import-dataset';

export interface JobDeps {
  boss: Boss;
  store: Store;
  config: Config;
  backend: string;
}

export type JobHandler = (job: Job<object>, deps: JobDeps) => Promise<unknown>;

export const JOB_HANDLERS: Partial<Record<QueueName, JobHandler>> = {
  [QUEUES.createDataset]: createPhantomDataset,
  [QUEUES.importDataset]: importDataset,
  [QUEUES.trainMember]: trainMember,
  [QUEUES.evaluateShard]: evaluateShard,
  [QUEUES.study]: studyStep,
};
