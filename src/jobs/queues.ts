/**
 * pg-boss on the store's database: queue names, start-up (queues created before any send) and
 * exact per-state job counts for `serverInfo`.
 */
import type { PgBoss as PgBossType } from 'pg-boss' with { 'resolution-mode': 'import' };

/** Every queue the platform uses; each is created at start so `send()` never races creation. */
export const QUEUES = Object.freeze({
  createDataset: 'dataset-create',
  importDataset: 'dataset-import',
  trainMember: 'train-member',
  evaluateShard: 'evaluate-shard',
  study: 'study',
} as const);
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type Boss = PgBossType;

export async function startBoss(databaseUrl: string, options: { onError?: (error: Error) => void } = {}): Promise<Boss> {
  // pg-boss is ESM-only; Node 20's require(esm) and jest's transform both load it through import().
  const { PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: databaseUrl, max: 5 });
  boss.on('error', (error: Error) => options.onError?.(error));
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name).catch(async (error: Error) => {
      // Two processes starting together may both try; the loser sees the queue exists.
      if (!(await boss.getQueue(name))) throw error;
    });
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
  const { rows } = (await boss.getDb().executeSql(
    'SELECT name, state, count(*)::int AS n FROM pgboss.job GROUP BY name, state',
  )) as { rows: Array<{ name: string; state: string; n: number }> };
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
export async function enqueue(boss: Boss, name: QueueName, data: object, options: Record<string, unknown> = {}): Promise<string> {
  const id = await boss.send(name, data, { retryLimit: RETRY_LIMIT, retryDelay: 5, ...options });
  if (id === null) throw new Error(`pg-boss did not accept the job for queue ${name}`);
  return id;
}
