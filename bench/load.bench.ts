/**
 * Load bench (prints figures; no assertions on time). `npx tsx bench/load.bench.ts`
 *
 * 1. API: a real `cardiac-uq serve --role api` on a store seeded with synthetic results
 *    (test/support/synthetic-store.ts: BENCH_SUBJECTS × 10 slices, one evaluation with a prediction,
 *    three structure rows and one image row per slice). The dashboard's read mix is curve queries
 *    (calibration, QC curve, summary) and list queries (runs, predictions sorted by entropy, slices).
 *    a. `{ serverInfo }` (one client in a loop) alone for BENCH_MIX_SECONDS / 2, then beside the
 *       read mix (BENCH_MIX_CLIENTS, 10) for BENCH_MIX_SECONDS (20) s, first idle, then while two
 *       `serve --role worker` processes each train a network (real wasm training on a phantom
 *       dataset): p95 of each, both ways.
 *    b. BENCH_CLIENTS (100) concurrent clients for BENCH_SECONDS (30) s of the read mix; latency
 *       p50/p95/p99 and errors.
 *    The per-key rate limit is switched off (CARDIAC_UQ_RATE_LIMIT=0): all clients are one process.
 *    The API's response cache is on, as by default (docs/design.md "Response cache"): the bench
 *    prints the share of answers it served and, beside the mix, how many store changes per second
 *    ended cached answers (a training job writes its progress at most once a second).
 * 2. Queue: BENCH_SHARDS (1 000) evaluation shards on the real pg-boss `evaluate-shard` queue,
 *    drained by two worker processes (bench/shard-drain-worker.ts) that write through the real
 *    exactly-once shard writer with synthetic slice results (no engine). Checks none lost or
 *    doubled: predictions, metric rows, shard audit events, job states.
 *
 * Postgres: a fresh database on BENCH_PG_ADMIN_URL (default the local server on 127.0.0.1:5432),
 * dropped at the end.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createStore } from '../src/db/client';
import { verifyAuditChain } from '../src/db/audit';
import { applyMigrations } from '../src/db/migrate';
import { QUEUES, enqueue, startBoss } from '../src/jobs/queues';
import { STORE_CHANGED_CHANNEL } from '../src/server/store-changes';
import { seedSyntheticStudy } from '../test/support/synthetic-store';

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const MIX_CLIENTS = Number(process.env.BENCH_MIX_CLIENTS ?? 10);
const MIX_SECONDS = Number(process.env.BENCH_MIX_SECONDS ?? 20);
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 40);
const SHARDS = Number(process.env.BENCH_SHARDS ?? 1000);
const BIN = path.resolve(__dirname, '../bin/cardiac-uq.js');
const TSX = path.resolve(__dirname, '../node_modules/.bin/tsx');

function spawnReady(command: string, args: string[], env: Record<string, string>, ...ready: RegExp[]) {
  const child = spawn(command, args, { env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const started = new Promise<string>((resolve, reject) => {
    const check = () => ready.every((r) => r.test(out)) && resolve(out);
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', () => reject(new Error(`${args.join(' ')} exited:\n${out}`)));
  });
  return { child, exited, started, output: () => out };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function readMix(ids: { evaluationId: string; datasetId: string }): Array<[string, string]> {
  return [
    [
      'calibration',
      `{ evaluation(id: "${ids.evaluationId}") { calibration { ece nll brier points { confidence accuracy count } } } }`,
    ],
    [
      'qcCurve',
      `{ evaluation(id: "${ids.evaluationId}") { qcCurve(structure: LV, measure: ENTROPY) { auc reviewAt(target: 0.05) points { flagged remaining } } } }`,
    ],
    ['summary', `{ evaluation(id: "${ids.evaluationId}") { summary { structure n kept dice assd hd poorCount } } }`],
    ['runs', '{ runs(first: 50) { totalCount nodes { id kind status method createdBy createdAt } } }'],
    [
      'predictions',
      `{ evaluation(id: "${ids.evaluationId}") { predictions(first: 50, sortBy: ENTROPY) { totalCount nodes { id image { entropy mi nll } metrics { structure dice assdMm poor } } } } }`,
    ],
    [
      'slices',
      `{ slices(first: 100, filter: { datasetId: "${ids.datasetId}" }) { totalCount nodes { id sliceIndex position } } }`,
    ],
  ];
}
const SERVER_INFO = '{ serverInfo { version backend database queues { name queued active failed completed } } }';

async function post(url: string, query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    // Apollo's response cache marks an answer it served from memory with `age`.
    cached: response.headers.get('age') !== null,
    body: (await response.json()) as { data?: any; errors?: Array<{ message: string }> },
  };
}

interface Load {
  latencies: Map<string, number[]>;
  all: number[];
  errors: string[];
  /** Answers served from the API's response cache. */
  cached: number;
}

/** `clients` loops over `queries` until `seconds` have passed; latencies per query name. */
async function load(
  url: string,
  queries: Array<[string, string]>,
  clients: number,
  seconds: number,
  into?: Load,
): Promise<Load> {
  const result = into ?? { latencies: new Map(queries.map(([name]) => [name, []])), all: [], errors: [], cached: 0 };
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = client; Date.now() < deadline; i++) {
        const [name, query] = queries[i % queries.length];
        const t0 = performance.now();
        try {
          const { status, cached, body } = await post(url, query);
          if (cached) result.cached++;
          if (status !== 200 || body.errors) result.errors.push(`${name}: ${status} ${JSON.stringify(body.errors)}`);
        } catch (error) {
          result.errors.push(`${name}: ${(error as Error).message}`);
        }
        const ms = performance.now() - t0;
        result.latencies.get(name)!.push(ms);
        result.all.push(ms);
      }
    }),
  );
  return result;
}

const row = (name: string, xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${name.padEnd(12)} ${String(s.length).padStart(7)}  p50 ${percentile(s, 50).toFixed(1).padStart(7)}  p95 ${percentile(s, 95).toFixed(1).padStart(7)}  p99 ${percentile(s, 99).toFixed(1).padStart(7)} ms`;
};
const p95 = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    95,
  );

/**
 * `{ serverInfo }` from one client alone for half the time (what the API's own work costs it),
 * then from one client and the read mix from MIX_CLIENTS at the same time (it then also waits its
 * turn behind the mix's requests on the one event loop).
 */
async function serverInfoAndMix(url: string, dbUrl: string, mix: Array<[string, string]>) {
  const alone = await load(url, [['serverInfo', SERVER_INFO]], 1, MIX_SECONDS / 2);
  // What ends cached answers: the store's change notifications (docs/design.md "Response cache").
  const listener = new pg.Client({ connectionString: dbUrl });
  await listener.connect();
  let changes = 0;
  listener.on('notification', () => changes++);
  await listener.query(`LISTEN ${STORE_CHANGED_CHANNEL}`);
  const [info, reads] = await Promise.all([
    load(url, [['serverInfo', SERVER_INFO]], 1, MIX_SECONDS),
    load(url, mix, MIX_CLIENTS, MIX_SECONDS),
  ]).finally(() => listener.end());
  return {
    changesPerSecond: changes / MIX_SECONDS,
    mixCached: reads.cached / reads.all.length,
    serverInfoAlone: p95(alone.all),
    serverInfo: p95(info.all),
    mix: p95(reads.all),
    errors: alone.errors.length + info.errors.length + reads.errors.length,
    n: alone.all.length + info.all.length + reads.all.length,
  };
}

/** Two worker processes, each training one network on a phantom dataset, until `stop()`. */
async function twoTrainings(url: string, dbUrl: string, dataDir: string) {
  const workers = [0, 1].map(() =>
    spawnReady(
      process.execPath,
      [BIN, 'serve', '--role', 'worker'],
      { DATABASE_URL: dbUrl, CARDIAC_UQ_DATA_DIR: dataDir, CARDIAC_UQ_BACKEND: 'wasm' },
      /ready;/,
    ),
  );
  await Promise.all(workers.map((w) => w.started));
  const until = async (id: string, done: (r: { status: string; progress: number; datasetId?: string }) => boolean) => {
    for (;;) {
      const r = (await post(url, `{ run(id: "${id}") { status progress datasetId error } }`)).body.data.run;
      if (done(r)) return r;
      if (['FAILED', 'CANCELLED'].includes(r.status)) throw new Error(`run ${id}: ${r.status} ${r.error}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const created = (
    await post(url, 'mutation { createPhantomDataset(input: { name: "bench-train", site: "A", subjects: 4 }) { id } }')
  ).body.data;
  const dataset = await until(created.createPhantomDataset.id, (r) => r.status === 'SUCCEEDED');
  const runIds: string[] = [];
  for (const seed of [1, 2]) {
    const started = await post(
      url,
      `mutation { startTraining(input: { datasetId: "${dataset.datasetId}", method: PLAIN, preset: "tiny", epochs: 500, seed: ${seed} }) { id } }`,
    );
    if (!started.body.data?.startTraining) throw new Error(`startTraining: ${JSON.stringify(started.body.errors)}`);
    runIds.push(started.body.data.startTraining.id);
  }
  await Promise.all(runIds.map((id) => until(id, (r) => r.status === 'RUNNING' && r.progress > 0)));
  return {
    async stop() {
      for (const id of runIds) await post(url, `mutation { cancelRun(id: "${id}") { id } }`);
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    },
  };
}

async function apiLoad(url: string, ids: { evaluationId: string; datasetId: string }, dbUrl: string) {
  const mix = readMix(ids);
  const idle = await serverInfoAndMix(url, dbUrl, mix);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-load-bench-'));
  const training = await twoTrainings(url, dbUrl, dataDir);
  const busy = await serverInfoAndMix(url, dbUrl, mix).finally(() => training.stop());
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `\nAPI while idle and while 2 worker processes train (1 serverInfo client alone × ${MIX_SECONDS / 2} s, then with ${MIX_CLIENTS} read-mix clients × ${MIX_SECONDS} s):`,
  );
  console.log(
    `  serverInfo p95 alone:       idle ${idle.serverInfoAlone.toFixed(1)} ms, training ${busy.serverInfoAlone.toFixed(1)} ms (target ≤ 100)`,
  );
  console.log(
    `  serverInfo p95 beside mix:  idle ${idle.serverInfo.toFixed(1)} ms, training ${busy.serverInfo.toFixed(1)} ms (target ≤ 100)`,
  );
  console.log(`  read mix p95:   idle ${idle.mix.toFixed(1)} ms, training ${busy.mix.toFixed(1)} ms (target ≤ 300)`);
  console.log(`  requests ${idle.n} / ${busy.n}, errors ${idle.errors} / ${busy.errors}`);
  console.log(
    `  store changes heard: idle ${idle.changesPerSecond.toFixed(1)}/s, training ${busy.changesPerSecond.toFixed(1)}/s; read-mix answers from the response cache: idle ${(100 * idle.mixCached).toFixed(1)} %, training ${(100 * busy.mixCached).toFixed(1)} %`,
  );

  const result = await load(url, mix, CLIENTS, SECONDS);
  console.log(
    `\nAPI load: ${CLIENTS} clients × ${SECONDS} s  (${result.all.length} requests, ${(result.all.length / SECONDS).toFixed(0)} req/s, ${((100 * result.cached) / result.all.length).toFixed(1)} % from the response cache, errors ${result.errors.length})`,
  );
  console.log(`${'query'.padEnd(12)} ${'n'.padStart(7)}`);
  for (const [name, xs] of result.latencies) console.log(row(name, xs));
  console.log(row('all', result.all));
  if (result.errors.length) console.log(`first errors:\n  ${result.errors.slice(0, 5).join('\n  ')}`);
  return result.errors.length + idle.errors + busy.errors;
}

async function drain(url: string) {
  const store = createStore(url);
  const boss = await startBoss(url);
  try {
    const study = await seedSyntheticStudy(store, {
      subjects: Math.ceil(SHARDS / 10),
      slicesPerSubject: 10,
      predictions: false,
      name: 'bench-drain',
    });
    const sliceIds = study.sliceIds.slice(0, SHARDS);
    const t0 = performance.now();
    for (let i = 0; i < sliceIds.length; i += 100) {
      await Promise.all(
        sliceIds.slice(i, i + 100).map((sliceId, j) =>
          enqueue(boss, QUEUES.evaluateShard, {
            runId: study.evaluationRunId,
            evaluationId: study.evaluationId,
            shard: i + j,
            sliceIds: [sliceId],
          }),
        ),
      );
    }
    const enqueueS = (performance.now() - t0) / 1000;
    const workers = [0, 1].map(() =>
      spawnReady(TSX, [path.resolve(__dirname, 'shard-drain-worker.ts')], { DATABASE_URL: url }, /ready/),
    );
    const t1 = performance.now();
    await Promise.all(workers.map((w) => w.started));
    let done = 0;
    for (;;) {
      done = await store.prediction.count({ where: { evaluationId: study.evaluationId } });
      if (done >= sliceIds.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const drainS = (performance.now() - t1) / 1000;
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    const attempts = workers.map((w) => Number(/attempts (\d+)/.exec(w.output())?.[1] ?? NaN));
    const { rows } = (await boss
      .getDb()
      .executeSql("SELECT state, count(*)::int AS n FROM pgboss.job WHERE name = 'evaluate-shard' GROUP BY state")) as {
      rows: Array<{ state: string; n: number }>;
    };
    const [dupes] = await store.$queryRaw<
      Array<{ n: number }>
    >`SELECT count(*)::int AS n FROM (SELECT shard FROM "Prediction" WHERE "evaluationId" = ${study.evaluationId}::uuid GROUP BY shard HAVING count(*) > 1) d`;
    const audits = await store.auditEvent.count({
      where: { action: 'evaluation.shard.stored', entityId: study.evaluationId },
    });
    const structures = await store.structureMetric.count({ where: { evaluationId: study.evaluationId } });
    const chain = await verifyAuditChain(store);
    // Links intact and every recorded result verifies; rows no event records are the synthetic
    // seeds' (bulk SQL, no events), which is why `chain.ok` cannot be the test here.
    const intact = !chain.firstBroken && !chain.results?.firstMismatch;
    console.log(
      `\nQueue drain: ${sliceIds.length} evaluate-shard jobs (enqueued in ${enqueueS.toFixed(1)} s), 2 worker processes (synthetic results, real queue, real writer)`,
    );
    console.log(
      `  drained in ${drainS.toFixed(1)} s (${(sliceIds.length / drainS).toFixed(0)} shards/s, worker start included); handler attempts per worker: ${attempts.join(' + ')}`,
    );
    console.log(
      `  predictions ${done} / ${sliceIds.length}; structure rows ${structures} (expect ${3 * sliceIds.length}); shards written twice ${dupes.n}; shard audit events ${audits}; audit chain ${intact ? 'intact, every recorded shard verifies' : `NOT OK: ${describeVerification(chain)}`}${chain.results?.unrecorded ? ` (unrecorded, the synthetic seeds: ${describeVerification(chain)})` : ''}`,
    );
    console.log(`  job states: ${rows.map((r) => `${r.state} ${r.n}`).join(', ')}`);
    return (
      done === sliceIds.length &&
      dupes.n === 0 &&
      audits === sliceIds.length &&
      structures === 3 * sliceIds.length &&
      intact
    );
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 });
    await store.$disconnect();
  }
}

async function main() {
  const name = `cuq_bench_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  let serve: ReturnType<typeof spawnReady> | undefined;
  try {
    await applyMigrations(dbUrl);
    const store = createStore(dbUrl);
    const t0 = performance.now();
    const study = await seedSyntheticStudy(store, {
      subjects: SUBJECTS,
      slicesPerSubject: 10,
      size: 96,
      name: 'bench-api',
    });
    await store.$disconnect();
    console.log(
      `seeded ${study.predictionIds.length} predictions (96×96 slices) in ${((performance.now() - t0) / 1000).toFixed(1)} s; host ${os.cpus().length} cores`,
    );

    serve = spawnReady(
      process.execPath,
      [BIN, 'serve', '--role', 'api'],
      { DATABASE_URL: dbUrl, CARDIAC_UQ_PORT: '0', CARDIAC_UQ_RATE_LIMIT: '0' },
      /ready;/,
      /GraphQL:\s+\S+\n/,
    );
    const out = await serve.started;
    const graphqlUrl = /GraphQL:\s+(\S+)/.exec(out)![1];
    const errors = await apiLoad(graphqlUrl, study, dbUrl);
    serve.child.kill('SIGTERM');
    await serve.exited;
    serve = undefined;

    const ok = await drain(dbUrl);
    console.log(`\nresult: API errors ${errors}; queue ${ok ? 'none lost, none doubled' : 'MISMATCH'}`);
    process.exitCode = errors === 0 && ok ? 0 : 1;
  } finally {
    serve?.child.kill('SIGKILL');
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/** Why verify failed: a broken link, a changed result, or rows no event records (the synthetic seed). */
function describeVerification(v: Awaited<ReturnType<typeof verifyAuditChain>>): string {
  if (v.firstBroken) return `${v.firstBroken.reason} at event ${v.firstBroken.seq}`;
  if (v.results?.firstMismatch) return `result digest mismatch at event ${v.results.firstMismatch.seq}`;
  if (v.results?.unrecorded) return `${v.results.unrecorded.count} ${v.results.unrecorded.what} recorded by no event`;
  return 'head check failed';
}
