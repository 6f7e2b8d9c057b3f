/** Queue → handler registry. Each handler lives in its own module named for the work it does. */
import { QUEUES, type QueueName } from '../queues';
import type { JobHandler } from '../job-handler';
import { createPhantomDataset } from './create-phantom-dataset';
import { evaluateShard } from './evaluate-shard';
import { fitTemperature } from './fit-temperature';
import { importDataset } from './import-dataset';
import { inferShard } from './infer-shard';
import { studyStep } from './study-step';
import { trainMember } from './train-member';

export const JOB_HANDLERS: { readonly [Q in QueueName]: JobHandler<Q> } = Object.freeze({
  [QUEUES.createDataset]: createPhantomDataset,
  [QUEUES.importDataset]: importDataset,
  [QUEUES.trainMember]: trainMember,
  [QUEUES.evaluateShard]: evaluateShard,
  [QUEUES.inferShard]: inferShard,
  [QUEUES.study]: studyStep,
  [QUEUES.fitTemperature]: fitTemperature,
});
