/**
 * `job.data` per queue: what the services enqueue and the handlers receive. The worker parses each
 * job's data with its queue's schema before the handler runs (jobs/worker.ts), so a malformed job
 * fails naming the job and the field.
 */
import { z } from 'zod';
import { QUEUES, type QueueName } from './queues';

const uuid = z.guid();
const RunJob = z.object({ runId: uuid });

export const TrainMemberPayload = RunJob.extend({ member: z.number().int().nonnegative() });
export type TrainMemberPayload = z.infer<typeof TrainMemberPayload>;

export const EvaluateShardPayload = RunJob.extend({
  evaluationId: uuid,
  shard: z.number().int().nonnegative(),
  sliceIds: z.array(uuid).min(1),
});
export type EvaluateShardPayload = z.infer<typeof EvaluateShardPayload>;

export const InferShardPayload = RunJob.extend({
  inferenceId: uuid,
  shard: z.number().int().nonnegative(),
  sliceIds: z.array(uuid).min(1),
});
export type InferShardPayload = z.infer<typeof InferShardPayload>;

export const JOB_PAYLOADS = Object.freeze({
  [QUEUES.createDataset]: RunJob,
  [QUEUES.importDataset]: RunJob,
  [QUEUES.trainMember]: TrainMemberPayload,
  [QUEUES.evaluateShard]: EvaluateShardPayload,
  [QUEUES.inferShard]: InferShardPayload,
  [QUEUES.study]: RunJob,
  [QUEUES.fitTemperature]: RunJob,
} satisfies Record<QueueName, z.ZodType>);

export type PayloadOf<Q extends QueueName> = z.infer<(typeof JOB_PAYLOADS)[Q]>;
