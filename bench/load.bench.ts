/**
 * Load bench (prints figures; no assertions on time). `npx tsx bench/load.bench.ts`
 *
 * 1. API: a real `cardiac-uq serve --role api` on a store seeded with synthetic results
 *    (test/support/synthetic-store.ts: BENCH_SUBJECTS × 10 slices, one evaluation with a prediction,
 *    three structure rows and one image row per slice); BENCH_CLIENTS (100) concurrent clients for
 *    BENCH_SECONDS (60) s, each looping over curve queries (calibration, QC curve, summary) and list
 *    queries (runs, predictions sorted by entropy, slices); latency p50/p95/p99 and errors. The
 *    per-key rate limit is switched off (CARDIAC_UQ_RATE_LIMIT=0): all clients are one process.
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
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createStore } from '../src/db/client';
import { verifyAuditChain } from '../src/db/audit';
import { applyMigrations } from '../src/db/migrate';
import { QUEUES, enqueue, startBoss } from '../src/jobs/queues';
import { seedSyntheticStudy } from '../test/support/synthetic-store';

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
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

async function apiLoad(url: string, ids: { evaluationId: string; datasetId: string }) {
  const queries: Array<[string, string]> = [
    ['calibration', `{ evaluation(id: "${ids.evaluationId}") { calibration { ece nll brier points { confidence accuracy count } } } }`],
    ['qcCurve', `{ evaluation(id: "${ids.evaluationId}") { qcCurve(structure: LV, measure: ENTROPY) { auc reviewAt(target: 0.05) points { flagged remaining } } } }`],
    ['summary', `{ evaluation(id: "${ids.evaluationId}") { summary { structure n kept dice assd hd poorCount } } }`],
    ['runs', '{ runs(first: 50) { totalCount nodes { id kind status method createdBy createdAt } } }'],
    ['predictions', `{ evaluation(id: "${ids.evaluationId}") { predictions(first: 50, sortBy: ENTROPY) { totalCount nodes { id image { entropy mi nll } metrics { structure dice assdMm poor } } } } }`],
    ['slices', `{ slices(first: 100, filter: { datasetId: "${ids.datasetId}" }) { totalCount nodes { id sliceIndex position } } }`],
  ];
  const latencies = new Map<string, number[]>(queries.map(([name]) => [name, []]));
  const all: number[] = [];
  const errors: string[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = client; Date.now() < deadline; i++) {
        const [name, query] = queries[i % queries.length];
        const t0 = performance.now();
        try {
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
          const body = (await response.json()) as { errors?: Array<{ message: string }> };
          if (response.status !== 200 || body.errors) errors.push(`${name}: ${response.status} ${JSON.stringify(body.errors)}`);
        } catch (error) {
          errors.push(`${name}: ${(error as Error).message}`);
        }
        const ms = performance.now() - t0;
        latencies.get(name)!.push(ms);
        all.push(ms);
      }
    }),
  );
  const row = (name: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${name.padEnd(12)} ${String(s.length).padStart(7)}  p50 ${percentile(s, 50).toFixed(1).padStart(7)}  p95 ${percentile(s, 95).toFixed(1).padStart(7)}  p99 ${percentile(s, 99).toFixed(1).padStart(7)} ms`;
  };
  console.log(`\nAPI load: ${CLIENTS} clients × ${SECONDS} s  (${all.length} requests, ${(all.length / SECONDS).toFixed(0)} req/s, errors ${errors.length})`);
  console.log(`${'query'.padEnd(12)} ${'n'.padStart(7)}`);
  for (const [name, xs] of latencies) console.log(row(name, xs));
  console.log(row('all', all));
  if (errors.length) console.log(`first errors:\n  ${errors.slice(0, 5).join('\n  ')}`);
  return errors.length;
}

async function drain(url: string) {
  const store = createStore(url);
  const boss = await startBoss(url);
  try {
    const study = await seedSyntheticStudy(store, { subjects: Math.ceil(SHARDS / 10), slicesPerSubject: 10, predictions: false, name: 'bench-drain' });
    const sliceIds = study.sliceIds.slice(0, SHARDS);
    const t0 = performance.now();
    for (let i = 0; i < sliceIds.length; i += 100) {
      await Promise.all(sliceIds.slice(i, i + 100).map((sliceId, j) => enqueue(boss, QUEUES.evaluateShard, { runId: study.evaluationRunId, evaluationId: study.evaluationId, shard: i + j, sliceIds: [sliceId] })));
    }
    const enqueueS = (performance.now() - t0) / 1000;
    const workers = [0, 1].map(() => spawnReady(TSX, [path.resolve(__dirname, 'shard-drain-worker.ts')], { DATABASE_URL: url }, /ready/));
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
    const { rows } = (await boss.getDb().executeSql(
      "SELECT state, count(*)::int AS n FROM pgboss.job WHERE name = 'evaluate-shard' GROUP BY state",
    )) as { rows: Array<{ state: string; n: number }> };
    const [dupes] = await store.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM (SELECT shard FROM "Prediction" WHERE "evaluationId" = ${study.evaluationId}::uuid GROUP BY shard HAVING count(*) > 1) d`;
    const audits = await store.auditEvent.count({ where: { action: 'evaluation.shard.stored', entityId: study.evaluationId } });
    const structures = await store.structureMetric.count({ where: { evaluationId: study.evaluationId } });
    const chain = await verifyAuditChain(store);
    console.log(`\nQueue drain: ${sliceIds.length} evaluate-shard jobs (enqueued in ${enqueueS.toFixed(1)} s), 2 worker processes (synthetic results, real queue, real writer)`);
    console.log(`  drained in ${drainS.toFixed(1)} s (${(sliceIds.length / drainS).toFixed(0)} shards/s, worker start included); handler attempts per worker: ${attempts.join(' + ')}`);
    console.log(`  predictions ${done} / ${sliceIds.length}; structure rows ${structures} (expect ${3 * sliceIds.length}); shards written twice ${dupes.n}; shard audit events ${audits}; audit chain ${chain.ok ? 'OK' : 'BROKEN'}`);
    console.log(`  job states: ${rows.map((r) => `${r.state} ${r.n}`).join(', ')}`);
    return done === sliceIds.length && dupes.n === 0 && audits === sliceIds.length && structures === 3 * sliceIds.length && chain.ok;
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
    const study = await seedSyntheticStudy(store, { subjects: SUBJECTS, slicesPerSubject: 10, size: 96, name: 'bench-api' });
    await store.$disconnect();
    console.log(`seeded ${study.predictionIds.length} predictions (96×96 slices) in ${((performance.now() - t0) / 1000).toFixed(1)} s; host ${os.cpus().length} cores`);

    serve = spawnReady(process.execPath, [BIN, 'serve', '--role', 'api'], { DATABASE_URL: dbUrl, CARDIAC_UQ_PORT: '0', CARDIAC_UQ_RATE_LIMIT: '0' }, /ready;/, /GraphQL:\s+\S+\n/);
    const out = await serve.started;
    const graphqlUrl = /GraphQL:\s+(\S+)/.exec(out)![1];
    const errors = await apiLoad(graphqlUrl, study);
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
