/**
 * `cardiac-uq serve` as a real process on its embedded Postgres: answers GraphQL, keeps its data
 * across restarts, stops cleanly, refuses a second owner, recovers from a crash; and with an
 * unreachable DATABASE_URL exits with a clear message instead of hanging. A postmaster killed under
 * a running serve is started again on the same port and data; meanwhile /readyz is 503 and
 * GraphQL answers DATABASE_UNAVAILABLE, while /healthz stays 200.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { gqlAt, spawnCli, startServe } from '../support/serve-process';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postmasterPid(dataRoot: string): number | null {
  const file = path.join(dataRoot, 'pgdata', 'postmaster.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : null;
}

async function insertDataset(graphqlUrl: string, name: string) {
  const info = await gqlAt(graphqlUrl, '{ serverInfo { database } }');
  const port = /127\.0\.0\.1:(\d+)/.exec(info.serverInfo.database)![1];
  const client = new pg.Client({ connectionString: `postgresql://cardiac_uq:cardiac_uq@127.0.0.1:${port}/cardiac_uq` });
  await client.connect();
  await client.query(
    `INSERT INTO "Dataset" (id, name, source, "contentHash", "createdBy") VALUES (gen_random_uuid(), $1, 'PHANTOM', 'h', 'test')`,
    [name],
  );
  await client.end();
}

const datasetNames = async (url: string) =>
  (await gqlAt(url, '{ datasets { nodes { name } } }')).datasets.nodes.map((n: { name: string }) => n.name);

describe('serve on the embedded Postgres', () => {
  let dataRoot: string;
  beforeAll(() => {
    dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-serve-'));
    fs.chmodSync(dataRoot, 0o755);
  });
  afterAll(() => fs.rmSync(dataRoot, { recursive: true, force: true }));
  // Stops what a test started when an expectation failed before its own stop (a no-op otherwise).
  const afterStop: Array<() => void> = [];
  afterEach(() => {
    for (const stop of afterStop.splice(0)) stop();
  });
  const env = () => ({ CARDIAC_UQ_DATA_DIR: dataRoot, DATABASE_URL: '' });

  test('serves, refuses a second start, stops cleanly on SIGINT and keeps the data for the next start', async () => {
    const first = await startServe(env());
    await insertDataset(first.graphqlUrl, 'kept');
    const pgPid = postmasterPid(dataRoot)!;
    expect(isAlive(pgPid)).toBe(true);

    const second = spawnCli(['serve'], { ...env(), CARDIAC_UQ_PORT: '0' });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(/in use by process \d+/);
    expect(await datasetNames(first.graphqlUrl)).toEqual(['kept']); // first untouched

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/stopped/);
    expect(isAlive(pgPid)).toBe(false);
    expect(postmasterPid(dataRoot)).toBeNull();

    const again = await startServe(env());
    expect(await datasetNames(again.graphqlUrl)).toEqual(['kept']);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  test('SIGINT while a training job is in hand: exits within a minute, the run stays RUNNING to resume', async () => {
    const ownRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-serve-sigint-'));
    fs.chmodSync(ownRoot, 0o755);
    const ownEnv = { CARDIAC_UQ_DATA_DIR: ownRoot, DATABASE_URL: '' };
    const serve = await startServe(ownEnv);
    const run = async (id: string) =>
      (await gqlAt(serve.graphqlUrl, `{ run(id: "${id}") { status progress datasetId } }`)).run;
    const until = async (id: string, done: (r: { status: string; progress: number }) => boolean) => {
      for (const deadline = Date.now() + 120000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
        const r = await run(id);
        if (done(r)) return r;
      }
      throw new Error(`run ${id} did not get there:\n${serve.output()}`);
    };
    const created = await gqlAt(
      serve.graphqlUrl,
      'mutation { createPhantomDataset(input: { name: "sigint", site: "A", subjects: 3 }) { id } }',
    );
    const dataset = await until(created.createPhantomDataset.id, (r) => r.status === 'SUCCEEDED');
    // far more epochs than the test waits for: the job is still running when the signal comes
    const training = await gqlAt(
      serve.graphqlUrl,
      `mutation { startTraining(input: { datasetId: "${dataset.datasetId}", method: PLAIN, preset: "tiny", epochs: 500 }) { id } }`,
    );
    const trainingId = training.startTraining.id;
    await until(trainingId, (r) => r.status === 'RUNNING' && r.progress > 0);

    serve.child.kill('SIGINT');
    const exited = await Promise.race([serve.exited, new Promise((r) => setTimeout(() => r('still running'), 60000))]);
    if (exited === 'still running') serve.child.kill('SIGKILL');
    expect(exited).toBe(0);
    expect(serve.output()).toMatch(/stopped/);

    const again = await startServe(ownEnv);
    const after = (await gqlAt(again.graphqlUrl, `{ run(id: "${trainingId}") { status } }`)).run;
    expect(['QUEUED', 'RUNNING']).toContain(after.status); // not lost, not failed: it carries on
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
    fs.rmSync(ownRoot, { recursive: true, force: true });
  });

  test('a postmaster killed under serve (kill -9) is restarted on the same data; DATABASE_UNAVAILABLE and /readyz 503 meanwhile', async () => {
    const serve = await startServe(env());
    // A failed expectation must not leave serve holding the data folder for the next test.
    afterStop.push(() => serve.child.kill('SIGKILL'));
    const base = serve.graphqlUrl.replace(/\/graphql$/, '');
    await insertDataset(serve.graphqlUrl, 'survives-kill');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const before = (await gqlAt(serve.graphqlUrl, '{ serverInfo { database } }')).serverInfo.database;
    const killed = postmasterPid(dataRoot)!;
    process.kill(killed, 'SIGKILL');

    const graphqlCodes = new Set<string>();
    const readyStatuses: number[] = [];
    let healthy = true;
    for (const deadline = Date.now() + 60000; ; await new Promise((r) => setTimeout(r, 50))) {
      const [ready, health, answer] = await Promise.all([
        fetch(`${base}/readyz`).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { reason?: string },
        })),
        fetch(`${base}/healthz`),
        fetch(serve.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ datasets { nodes { name } } }' }),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> },
        })),
      ]);
      healthy &&= health.status === 200;
      readyStatuses.push(ready.status);
      // Whichever probe notices first names it: the store's pool or pg-boss's.
      if (ready.status === 503) expect(ready.body.reason).toMatch(/^(database|queues): /);
      for (const error of answer.body.errors ?? []) graphqlCodes.add(`${answer.status} ${error.extensions?.code}`);
      if (readyStatuses.includes(503) && ready.status === 200 && !answer.body.errors) break;
      if (Date.now() > deadline)
        throw new Error(
          `no recovery: ${JSON.stringify({ readyStatuses: readyStatuses.slice(-5), graphqlCodes: [...graphqlCodes] })}\n${serve.output()}`,
        );
    }
    expect(healthy).toBe(true); // the process lived throughout
    expect([...graphqlCodes]).toEqual(['503 DATABASE_UNAVAILABLE']); // never a 500
    expect(isAlive(killed)).toBe(false);
    expect(postmasterPid(dataRoot)).not.toBe(killed);
    // Same port, same data, without restarting serve.
    expect((await gqlAt(serve.graphqlUrl, '{ serverInfo { database } }')).serverInfo.database).toBe(before);
    expect(await datasetNames(serve.graphqlUrl)).toContain('survives-kill');
    expect(serve.output()).toMatch(/embedded Postgres .*died; restarting/);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
  });

  test('after a crash (SIGKILL) the next start stops the orphaned postmaster and recovers the data', async () => {
    const crashed = await startServe(env());
    await insertDataset(crashed.graphqlUrl, 'before-crash');
    const orphan = postmasterPid(dataRoot)!;
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(isAlive(orphan)).toBe(true); // the crash left Postgres running

    const recovered = await startServe(env());
    expect(isAlive(orphan)).toBe(false);
    expect((await datasetNames(recovered.graphqlUrl)).sort()).toEqual(['before-crash', 'kept', 'survives-kill']);
    recovered.child.kill('SIGINT');
    expect(await recovered.exited).toBe(0);
  });
});

test('an unreachable DATABASE_URL gives a clear error and a non-zero exit, not a hang', async () => {
  const proc = spawnCli(['serve'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/nothing', CARDIAC_UQ_PORT: '0' });
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30000);
  const code = await proc.exited;
  clearTimeout(timer);
  expect(code).toBe(1);
  expect(proc.output()).toMatch(/cannot connect to the database at postgresql:\/\/127\.0\.0\.1:1\/nothing/);
});
