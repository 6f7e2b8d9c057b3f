/**
 * Postgres restarted under load: a real `cardiac-uq serve` (API + worker) on a Postgres cluster
 * of its own (test/support/pg-cluster.mjs) while clients query it and jobs are queued. The
 * cluster is stopped mid-work and started again: the API answers again without a restart of
 * cardiac-uq, the worker reconnects, and every queued job finishes exactly once. While an external
 * database is away, /readyz is 503 and GraphQL answers DATABASE_UNAVAILABLE.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import { verifyAuditChain } from '../../src/db/audit';
import { startRole, stopProcess } from '../support/serve-roles';
import type { RoleProcess } from '../support/serve-roles';

const CLUSTER = path.resolve(__dirname, '../support/pg-cluster.mjs');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function startCluster(dir: string, port: number) {
  const child = spawn(process.execPath, [CLUSTER, dir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => /ready/.test(out) && resolve());
    child.on('exit', () => reject(new Error(`cluster exited:\n${out}`)));
  });
  return { child, exited, ready };
}

async function gql(url: string, query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
}

test('the API and the worker reconnect after Postgres restarts; queued jobs finish once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-pg-restart-'));
  const port = await freePort();
  const url = `postgresql://cuq:cuq@127.0.0.1:${port}/store`;
  let cluster = startCluster(dir, port);
  let serve: RoleProcess | undefined;
  // The polling clients run until this is false: also when the test fails (else they keep jest alive).
  let load = true;
  try {
    await cluster.ready;
    serve = await startRole('all', {
      DATABASE_URL: url,
      CARDIAC_UQ_DATA_DIR: dir,
      CARDIAC_UQ_BACKEND: 'cpu',
      CARDIAC_UQ_JOB_HEARTBEAT_SECONDS: '10',
      CARDIAC_UQ_JOB_SUPERVISE_SECONDS: '1',
      CARDIAC_UQ_JOB_RETRY_DELAY_SECONDS: '1',
      // Four clients polling every 50 ms from one address pass the per-address limit (1 200 a
      // minute) once the outage's DATABASE_UNAVAILABLE answers come back at once.
      CARDIAC_UQ_RATE_LIMIT: '0',
    });
    const api = serve.graphqlUrl!;
    const runIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await gql(
        api,
        `mutation { createPhantomDataset(input: { name: "restart-${i}", site: "A", subjects: 2, seed: ${i} }) { id } }`,
      );
      runIds.push(res.data.createPhantomDataset.id);
    }

    // Clients keep querying throughout.
    const results = { ok: 0, failed: 0 };
    const clients = Array.from({ length: 4 }, async () => {
      while (load) {
        try {
          const res = await gql(api, '{ runs(first: 20) { totalCount nodes { id status } } }');
          if (res.errors) results.failed++;
          else results.ok++;
        } catch {
          results.failed++;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    await new Promise((resolve) => setTimeout(resolve, 1500));
    cluster.child.kill('SIGTERM');
    await cluster.exited;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const duringOutage = { ...results };
    cluster = startCluster(dir, port);
    await cluster.ready;

    // The API answers again, without restarting cardiac-uq.
    const deadline = Date.now() + 60000;
    for (;;) {
      const res = await gql(api, '{ serverInfo { version } }').catch(() => undefined);
      if (res?.data?.serverInfo) break;
      if (Date.now() > deadline) throw new Error(`API did not recover:\n${serve.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Every queued job finishes.
    const finished = Date.now() + 150000;
    let statuses: string[] = [];
    for (;;) {
      const res = await gql(api, '{ runs(first: 20) { nodes { id status error } } }');
      statuses = (res.data?.runs.nodes ?? [])
        .filter((r: { id: string }) => runIds.includes(r.id))
        .map((r: { status: string }) => r.status);
      if (statuses.length === runIds.length && statuses.every((s) => s === 'SUCCEEDED')) break;
      if (Date.now() > finished)
        throw new Error(
          `runs ${JSON.stringify(res.data?.runs.nodes)} errors ${JSON.stringify(res.errors)}\n${serve.output().slice(-3000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    load = false;
    await Promise.all(clients);
    expect(duringOutage.ok).toBeGreaterThan(0);
    expect(results.ok).toBeGreaterThan(duringOutage.ok); // queries succeed again after the restart

    const store = createStore(url);
    try {
      expect(await store.dataset.count()).toBe(6);
      const perName = await store.dataset.groupBy({ by: ['name'], _count: { _all: true } });
      expect(perName.every((row) => row._count._all === 1)).toBe(true);
      const [jobs] = await store.$queryRaw<Array<{ completed: number; other: number }>>`
        SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed, count(*) FILTER (WHERE state <> 'completed')::int AS other
        FROM pgboss.job WHERE name = 'dataset-create'`;
      expect(jobs).toEqual({ completed: 6, other: 0 });
      expect((await verifyAuditChain(store)).ok).toBe(true);
    } finally {
      await store.$disconnect();
    }
  } finally {
    load = false;
    if (serve) await stopProcess(serve);
    cluster.child.kill('SIGTERM');
    await cluster.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300000);

test('an external database that goes away: /readyz 503 with the reason, GraphQL DATABASE_UNAVAILABLE, /healthz 200; back when it is', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-pg-away-'));
  const port = await freePort();
  let cluster = startCluster(dir, port);
  let serve: RoleProcess | undefined;
  try {
    await cluster.ready;
    serve = await startRole('api', {
      DATABASE_URL: `postgresql://cuq:cuq@127.0.0.1:${port}/store`,
      CARDIAC_UQ_DATA_DIR: dir,
    });
    const api = serve.graphqlUrl!;
    const base = api.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    cluster.child.kill('SIGTERM');
    await cluster.exited;

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toMatch(/^database: /);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Read queries, and a query whose authentication step reads the store first.
    for (const query of ['{ datasets { nodes { name } } }', '{ runs(first: 5) { totalCount } }']) {
      const response = await fetch(api, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect(response.status).toBe(503);
      expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['DATABASE_UNAVAILABLE']);
    }

    cluster = startCluster(dir, port);
    await cluster.ready;
    for (
      const deadline = Date.now() + 60000;
      (await fetch(`${base}/readyz`)).status !== 200;
      await new Promise((r) => setTimeout(r, 250))
    ) {
      if (Date.now() > deadline) throw new Error(`not ready again:\n${serve.output().slice(-3000)}`);
    }
    expect((await gql(api, '{ datasets { nodes { name } } }')).data.datasets.nodes).toEqual([]);
  } finally {
    if (serve) await stopProcess(serve);
    cluster.child.kill('SIGTERM');
    await cluster.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180000);
