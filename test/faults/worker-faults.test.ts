/**
 * Workers dying and hanging, with real `cardiac-uq serve --role worker` processes on one data
 * folder (one machine) and the API in this process; pg-boss heartbeats of 10 s, supervision every
 * second and a 1 s retry delay (CARDIAC_UQ_JOB_* variables):
 *
 * - SIGKILL mid-training: the retry continues from the member's local `last/` state (the epochs
 *   before the kill keep their recorded numbers and timings) and one checkpoint is stored;
 * - SIGKILL mid-evaluation: only whole shards were ever committed, and after the retry every slice
 *   has exactly one prediction, three structure rows and one image row, each shard stored once;
 * - SIGSTOP (a hung worker): its heartbeat stops, the job is failed and retried on another worker,
 *   and nothing is doubled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { verifyAuditChain } from '../../src/db/audit';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';
import { startRole, stopProcess } from '../support/serve-roles';
import type { RoleProcess } from '../support/serve-roles';

const server = testServers()[0];
const FAST_RECOVERY = {
  CARDIAC_UQ_JOB_HEARTBEAT_SECONDS: '10',
  CARDIAC_UQ_JOB_SUPERVISE_SECONDS: '1',
  CARDIAC_UQ_JOB_RETRY_DELAY_SECONDS: '1',
};

let diagnose: (() => Promise<string>) | undefined;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 120000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${diagnose ? `\n${await diagnose()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('worker faults', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let dataDir: string;
  let env: Record<string, string>;
  let datasetId: string;
  let trainingRunId: string;
  const workers: RoleProcess[] = [];

  async function worker(): Promise<RoleProcess> {
    const w = await startRole('worker', env);
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-faults-'));
    env = {
      DATABASE_URL: db.url,
      CARDIAC_UQ_DATA_DIR: dataDir,
      CARDIAC_UQ_BACKEND: 'wasm',
      CARDIAC_UQ_ACTOR: 'faults',
      ...FAST_RECOVERY,
    };
    api = await startTestPlatform(db.url, 'api', FAST_RECOVERY);
    diagnose = async () => {
      const runs = await store.run.findMany({
        orderBy: { createdAt: 'desc' },
        take: 3,
        select: { kind: true, status: true, stage: true, error: true },
      });
      const jobs =
        await store.$queryRaw`SELECT name, state::text, retry_count FROM pgboss.job ORDER BY created_on DESC LIMIT 5`;
      return JSON.stringify({ runs, jobs }) + workers.map((w) => w.output().slice(-1500)).join('\n---\n');
    };
    await worker();
    const ds = await api.gql(
      'mutation { createPhantomDataset(input: { name: "faults", site: "A", subjects: 6, seed: 5 }) { id } }',
    );
    datasetId = (await waitForRun(api.gql, ds.body.data.createPhantomDataset.id)).datasetId;
  }, 180000);

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) {
        w.child.kill('SIGCONT');
        w.child.kill('SIGKILL');
        await w.exited;
      }
    }
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('SIGKILL mid-training: the retry resumes from the last epoch and stores one checkpoint', async () => {
    const epochs = 4;
    const res = await api.gql(
      `mutation { startTraining(input: { datasetId: "${datasetId}", method: MC_DROPOUT, preset: "tiny", epochs: ${epochs}, seed: 3, dropoutRate: 0.3 }) { id } }`,
    );
    expect(res.body.errors).toBeUndefined();
    trainingRunId = res.body.data.startTraining.id;
    const stateFile = path.join(dataDir, 'work', trainingRunId, 'member-0', 'last', 'state.json');
    const readState = () => {
      try {
        return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as {
          epoch: number;
          history: Array<{ epoch: number; loss: number; valNll: number; seconds: number }>;
        };
      } catch {
        return undefined;
      }
    };
    await until('a finished epoch', async () => (readState()?.epoch ?? 0) >= 1, 180000);
    workers[0].child.kill('SIGKILL');
    await workers[0].exited;
    const atKill = readState()!;
    expect(atKill.epoch).toBeLessThan(epochs);
    expect(await store.checkpoint.count({ where: { runId: trainingRunId } })).toBe(0);

    const started = Date.now();
    await worker();
    const run = await waitForRun(api.gql, trainingRunId, 240000);
    expect(run.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeGreaterThan(5000); // waited for the heartbeat to go stale

    expect(await store.checkpoint.count({ where: { runId: trainingRunId } })).toBe(1);
    const history = await store.trainingEpoch.findMany({ where: { runId: trainingRunId }, orderBy: { epoch: 'asc' } });
    expect(history.map((e) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    // The epochs before the kill were not trained again: their records (timings included) carried over.
    for (const before of atKill.history) {
      const stored = history[before.epoch - 1];
      expect(stored.seconds).toBe(before.seconds);
      expect(stored.trainLoss).toBeCloseTo(before.loss, 12);
      expect(stored.valNll).toBeCloseTo(before.valNll, 12);
    }
  }, 420000);

  async function shardIntegrity(evaluationId: string, sliceIdsByShard: Map<number, number>) {
    const perShard = await store.prediction.groupBy({ by: ['shard'], where: { evaluationId }, _count: { _all: true } });
    for (const row of perShard) expect(row._count._all).toBe(sliceIdsByShard.get(row.shard));
    return perShard.length;
  }

  async function startEvaluation(samples: number, shardSize: number) {
    const res = await api.gql(
      `mutation { startEvaluation(input: { trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", split: TEST, samples: ${samples}, seed: 4, shardSize: ${shardSize} }) { id } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const runId = res.body.data.startEvaluation.id as string;
    const evaluation = await until('the evaluation row', () => store.evaluation.findUnique({ where: { runId } }));
    const jobs = await store.$queryRaw<Array<{ shard: number; n: number }>>`
      SELECT (data->>'shard')::int AS shard, jsonb_array_length(data->'sliceIds') AS n FROM pgboss.job WHERE name = 'evaluate-shard' AND data->>'runId' = ${runId}`;
    return { runId, evaluationId: evaluation.id, shards: new Map(jobs.map((j) => [j.shard, j.n])) };
  }

  async function noDoubles(evaluationId: string, shards: Map<number, number>) {
    const total = [...shards.values()].reduce((a, b) => a + b, 0);
    expect(await store.prediction.count({ where: { evaluationId } })).toBe(total);
    expect(await store.structureMetric.count({ where: { evaluationId } })).toBe(3 * total);
    expect(await store.imageMetric.count({ where: { evaluationId } })).toBe(total);
    expect(await shardIntegrity(evaluationId, shards)).toBe(shards.size);
    const stored = await store.auditEvent.findMany({
      where: { action: 'evaluation.shard.stored', entityId: evaluationId },
    });
    expect(stored.map((e) => JSON.parse(e.details).shard).sort((a: number, b: number) => a - b)).toEqual(
      [...shards.keys()].sort((a, b) => a - b),
    );
    expect((await verifyAuditChain(store)).ok).toBe(true);
  }

  test('SIGKILL mid-evaluation: no partial shard, and no duplicate rows after the retry', async () => {
    const live = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
    const { runId, evaluationId, shards } = await startEvaluation(8, 2);
    expect(shards.size).toBeGreaterThan(2);
    await until('a first shard committed', async () => (await store.prediction.count({ where: { evaluationId } })) > 0);
    live.child.kill('SIGKILL');
    await live.exited;
    const run = await store.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe('RUNNING');
    await shardIntegrity(evaluationId, shards); // only whole shards exist at the moment of the kill

    await worker();
    expect((await waitForRun(api.gql, runId, 240000)).status).toBe('SUCCEEDED');
    await noDoubles(evaluationId, shards);
  }, 420000);

  test('a hung worker (SIGSTOP): its heartbeat stops, the job is retried on another worker', async () => {
    const hung = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
    const { runId, evaluationId, shards } = await startEvaluation(8, 500);
    // One shard of every test slice: wait until the worker holds it, then freeze the worker.
    await until('the shard to be active', async () => {
      const [row] = await store.$queryRaw<
        Array<{ n: number }>
      >`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'evaluate-shard' AND state = 'active' AND data->>'runId' = ${runId}`;
      return row.n > 0;
    });
    hung.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const second = await worker();
    expect((await waitForRun(api.gql, runId, 240000)).status).toBe('SUCCEEDED');
    expect(Date.now() - stoppedAt).toBeGreaterThan(9000); // the heartbeat had to go stale first
    const [job] = await store.$queryRaw<
      Array<{ retry_count: number; state: string }>
    >`SELECT retry_count, state::text FROM pgboss.job WHERE name = 'evaluate-shard' AND data->>'runId' = ${runId}`;
    expect(job).toMatchObject({ state: 'completed' });
    expect(job.retry_count).toBeGreaterThanOrEqual(1);
    await noDoubles(evaluationId, shards);

    // The frozen worker wakes up: its claim is gone, so it writes nothing more.
    hung.child.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await noDoubles(evaluationId, shards);
    await stopProcess(hung);
    await stopProcess(second);
  }, 420000);
});
