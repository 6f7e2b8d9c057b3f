/**
 * The API's response cache (src/server/response-cache.ts, docs/design.md "Response cache") on a
 * real platform and database: a repeated read is served from memory, and no answer outlives a
 * change of the store, whether the change comes from this API's own mutation, from another
 * process writing to the database (a worker), or while the change listener is disconnected.
 */
import pg from 'pg';
import { usePlatform } from '../support/platform';

const fixture = usePlatform('api');
const RUNS = '{ runs(first: 20) { totalCount nodes { id progress } } }';

/** POST to /graphql; `cached` says whether the answer came from the cache (Apollo sets `age` then). */
async function ask(query: string, url = fixture.api.graphqlUrl) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return { data: body.data, cached: response.headers.get('age') !== null };
}

/** Asks until `done(answer)` or 3 s; a fresh answer after a change is a matter of the notification arriving. */
async function askUntil(query: string, done: (answer: Awaited<ReturnType<typeof ask>>) => boolean) {
  for (const deadline = Date.now() + 3000; ; await new Promise((r) => setTimeout(r, 25))) {
    const answer = await ask(query);
    if (done(answer) || Date.now() > deadline) return answer;
  }
}

const createRun = async (name: string) =>
  (await ask(`mutation { createPhantomDataset(input: { name: "${name}", site: "A", subjects: 2 }) { id } }`)).data
    .createPhantomDataset.id as string;

test('a repeated read is answered from the cache with the same data; serverInfo never is', async () => {
  await createRun('first');
  const first = await ask(RUNS);
  const second = await ask(RUNS);
  expect(first.cached).toBe(false);
  expect(second.cached).toBe(true);
  expect(second.data).toEqual(first.data);
  expect(first.data.runs.totalCount).toBe(1);

  const info = '{ serverInfo { version queues { name queued } } }';
  expect((await ask(info)).cached).toBe(false);
  expect((await ask(info)).cached).toBe(false);
});

test("this API's own mutation is seen by the very next read", async () => {
  const before = await askUntil(RUNS, (a) => a.cached);
  await createRun('second');
  const after = await ask(RUNS);
  expect(after.cached).toBe(false);
  expect(after.data.runs.totalCount).toBe(before.data.runs.totalCount + 1);
});

test("another process's write to the store ends the cached answer", async () => {
  const cached = await askUntil(RUNS, (a) => a.cached);
  const target = cached.data.runs.nodes[0].id;
  expect(cached.data.runs.nodes[0].progress).not.toBe(0.25);
  // As a worker would: straight into the database, not through this API.
  await fixture.store.run.update({ where: { id: target }, data: { progress: 0.25 } });
  const fresh = await askUntil(RUNS, (a) => a.data.runs.nodes.find((n: any) => n.id === target).progress === 0.25);
  expect(fresh.data.runs.nodes.find((n: any) => n.id === target).progress).toBe(0.25);
  // Once seen, the new value is what the cache holds.
  const again = await ask(RUNS);
  expect(again.data).toEqual(fresh.data);
  expect(again.cached).toBe(true);
});

test('while the change listener is disconnected nothing is served from the cache; afterwards caching resumes', async () => {
  const admin = new pg.Client({ connectionString: fixture.db.url });
  await admin.connect();
  try {
    await askUntil(RUNS, (a) => a.cached);
    const { rows } = await admin.query(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'cardiac-uq store changes' AND datname = current_database()",
    );
    expect(rows).toEqual([{ ended: true }]);
    // The API notices the lost connection: from then on every read is computed afresh.
    const target = (await askUntil(RUNS, (a) => !a.cached)).data.runs.nodes[0].id;
    // Written while nobody listens: no notification will ever tell the API of it.
    await fixture.store.run.update({ where: { id: target }, data: { progress: 0.75 } });
    const during = await ask(RUNS);
    expect(during.cached).toBe(false);
    expect(during.data.runs.nodes.find((n: any) => n.id === target).progress).toBe(0.75);
    // The listener reconnects within about a second; repeated reads are cached again.
    const resumed = await askUntil(RUNS, (a) => a.cached);
    expect(resumed.cached).toBe(true);
    expect(resumed.data).toEqual(during.data);
  } finally {
    await admin.end();
  }
});
