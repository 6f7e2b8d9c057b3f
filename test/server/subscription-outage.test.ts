/**
 * A runProgress subscription outlives a database outage shorter than its limit: reads that find
 * Postgres unreachable send nothing and are tried again, and the run's later changes still arrive;
 * a longer outage ends it with DATABASE_UNAVAILABLE, not a raw connection error. The unreachable
 * reads are real ones, from a Prisma client whose server refuses connections.
 */
import 'reflect-metadata';
import { GraphQLError } from 'graphql';
import type { Store } from '../../src/db/client';
import { createStore } from '../../src/db/client';
import { progressChanges, type RunProgress } from '../../src/resolvers/run-progress.resolver';
import { createDatabase, testServers } from '../support/databases';

const TIMING = { pollMs: 20, outageLimitMs: 2000 };

let db: Awaited<ReturnType<typeof createDatabase>>;
let store: Store;
let unreachable: Store;

beforeAll(async () => {
  db = await createDatabase(testServers()[0]);
  store = createStore(db.url);
  // Port 1 on loopback: nothing listens there, so every read is ECONNREFUSED.
  unreachable = createStore('postgresql://cuq@127.0.0.1:1/none');
});

afterAll(async () => {
  await store.$disconnect();
  await unreachable.$disconnect();
  await db.drop();
});

/** The store, except that reads of runs go to the unreachable server while `away()` says so. */
function storeWithOutage(away: () => boolean): Store {
  const run = {
    findUnique: (args: Parameters<Store['run']['findUnique']>[0]) =>
      away() ? unreachable.run.findUnique(args) : store.run.findUnique(args),
  };
  return { run } as unknown as Store;
}

async function runningRun(): Promise<RunProgress> {
  const run = await store.run.create({
    data: { kind: 'DATASET', config: {}, codeVersion: 'test', createdBy: 'test', status: 'RUNNING', progress: 0.25 },
  });
  return { id: run.id, status: 'RUNNING', progress: 0.25, stage: null, etaSeconds: null, error: null };
}

test('changes made during a short outage arrive once the database is back', async () => {
  const first = await runningRun();
  let outage = true;
  const changes = progressChanges(
    storeWithOutage(() => outage),
    first,
    TIMING,
  );
  expect((await changes.next()).value).toMatchObject({ status: 'RUNNING', progress: 0.25 });
  const next = changes.next();
  await store.run.update({ where: { id: first.id }, data: { status: 'SUCCEEDED', progress: 1 } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  outage = false;
  expect((await next).value).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
  expect((await changes.next()).done).toBe(true);
});

test('an outage longer than the limit ends the subscription with DATABASE_UNAVAILABLE', async () => {
  const first = await runningRun();
  const changes = progressChanges(
    storeWithOutage(() => true),
    first,
    { ...TIMING, outageLimitMs: 200 },
  );
  await changes.next();
  const failure = await changes.next().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(GraphQLError);
  expect((failure as GraphQLError).extensions.code).toBe('DATABASE_UNAVAILABLE');
});
