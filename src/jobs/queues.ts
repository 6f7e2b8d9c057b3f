/**
 * pg-boss on the store's database: queue names, start-up (queues created before any send) and
 * exact per-state job counts for `serverInfo`.
 */
import type { PgBoss as PgBossType } from 'pg-boss' with { 'resolution-mode': 'import' };
import { DEFAULT_JOB_POLICY, queueOptions, type JobPolicy } from './job-policy';
import type { PayloadOf } from './payloads';

/** Every queue the platform uses; each is created at start so `send()` never races creation. */
export const QUEUES = Object.freeze({
  createDataset: 'dataset-create',
  importDataset: 'dataset-import',
  trainMember: 'train-member',
  evaluateShard: 'evaluate-shard',
  inferShard: 'infer-shard',
  study: 'study',
  fitTemperature: 'fit-temperature',
} as const);
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type Boss = PgBossType;

export async function startBoss(
  databaseUrl: string,
  options: { onError?: (error: Error) => void; jobs?: JobPolicy } = {},
): Promise<Boss> {
  // pg-boss is ESM-only; Node 20's require(esm) and jest's transform both load it through import().
  const { PgBoss } = await import('pg-boss');
  const policy = options.jobs ?? DEFAULT_JOB_POLICY;
  // Silent jobs are failed in the monitor pass, so it runs as often as supervision does.
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: 5,
    superviseIntervalSeconds: policy.superviseSeconds,
    monitorIntervalSeconds: policy.superviseSeconds,
  });
  boss.on('error', (error: Error) => options.onError?.(error));
  await boss.start();
  // Heartbeat, expiry and retry delay live on the queue (job-policy.ts), so every job inherits them.
  for (const name of Object.values(QUEUES)) {
    const queueOpts = queueOptions(name, policy);
    const existing = await boss.getQueue(name);
    if (!existing) {
      await boss.createQueue(name, queueOpts).catch(async (error: Error) => {
        // Two processes starting together may both try; the loser sees the queue exists.
        if (!(await boss.getQueue(name))) throw error;
      });
    } else if (
      existing.expireInSeconds !== queueOpts.expireInSeconds ||
      existing.retryDelay !== queueOpts.retryDelay ||
      (existing.heartbeatSeconds ?? 0) !== (queueOpts.heartbeatSeconds ?? 0)
    ) {
      await boss.updateQueue(name, {
        ...queueOpts,
        heartbeatSeconds: queueOpts.heartbeatSeconds ?? (null as unknown as undefined),
      });
    }
  }
  return boss;
}

export interface QueueCounts {
  name: string;
  queued: number;
  active: number;
  failed: number;
  completed: number;
  cancelled: number;
}

/** Counts straight from pg-boss's job table, so they are exact, not the monitor's snapshot. */
export async function queueCounts(boss: Boss): Promise<QueueCounts[]> {
  const { rows } = (await boss
    .getDb()
    .executeSql('SELECT name, state, count(*)::int AS n FROM pgboss.job GROUP BY name, state')) as {
    rows: Array<{ name: string; state: string; n: number }>;
  };
  return Object.values(QUEUES).map((name) => {
    const count = (...states: string[]) =>
      rows.filter((row) => row.name === name && states.includes(row.state)).reduce((sum, row) => sum + row.n, 0);
    return {
      name,
      queued: count('created', 'retry'),
      active: count('active'),
      failed: count('failed'),
      completed: count('completed'),
      cancelled: count('cancelled'),
    };
  });
}

/** Attempts after the first; a job that fails this many more times marks its run FAILED. */
export const RETRY_LIMIT = 2;

/** `send()` returns null when pg-boss declines the job (e.g. a singleton); treat that as an error. */
export async function enqueue<Q extends QueueName>(
  boss: Boss,
  name: Q,
  data: PayloadOf<Q>,
  options: Record<string, unknown> = {},
): Promise<string> {
  // retryDelay, expiry and heartbeat come from the queue (startBoss, job-policy.ts).
  const id = await boss.send(name, data, { retryLimit: RETRY_LIMIT, ...options });
  if (id === null) throw new Error(`pg-boss did not accept the job for queue ${name}`);
  return id;
}

/** Whether a job is still waiting, retrying or running (a study step that owns its study). */
export async function jobIsLive(boss: Boss, name: QueueName, jobId: string): Promise<boolean> {
  const [job] = await boss.findJobs(name, { id: jobId });
  return !!job && ['created', 'retry', 'active'].includes(job.state);
}
