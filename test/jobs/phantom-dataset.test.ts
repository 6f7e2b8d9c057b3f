/**
 * createPhantomDataset end to end: GraphQL mutation → pg-boss job → worker → engine → store,
 * with audit events; and bad input refused before anything is written or queued.
 */
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { generatePhantomDataset } from '../../src/engine/data/phantom';
import { verifyAuditChain } from '../../src/db/audit';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';
import { spawnCli } from '../support/serve-process';

const server = testServers()[0];

describe('createPhantomDataset', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    api = await startTestPlatform(db.url, 'all');
  });
  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
  });

  test('stores the phantom the engine generates, slice for slice, with provenance and audit', async () => {
    const res = await api.gql(
      'mutation { createPhantomDataset(input: { name: "siteA-small", site: "A", subjects: 3, seed: 7 }) { id kind status jobId createdBy } }',
    );
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data.createPhantomDataset;
    expect(run).toMatchObject({ kind: 'DATASET', status: 'QUEUED', createdBy: 'test-actor' });
    expect(run.jobId).toEqual(expect.any(String));

    const done = await waitForRun(api.gql, run.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: 1, error: null });

    const expected = generatePhantomDataset({ site: 'A', subjects: 3, seed: 7 });
    const dataset = await store.dataset.findUniqueOrThrow({
      where: { id: done.datasetId },
      include: {
        subjects: {
          orderBy: { externalId: 'asc' },
          include: { slices: { orderBy: [{ phase: 'asc' }, { sliceIndex: 'asc' }] } },
        },
      },
    });
    expect(dataset).toMatchObject({ name: 'siteA-small', source: 'PHANTOM', site: 'A', createdByRunId: run.id });
    expect(dataset.subjects.map((s) => [s.externalId, s.split, s.group])).toEqual(
      expected.map((s) => [s.id, s.split, s.group]),
    );
    const first = expected[0].slices[0];
    const stored = dataset.subjects[0].slices.find(
      (s) => s.phase === first.phase && s.sliceIndex === first.sliceIndex,
    )!;
    expect([stored.rows, stored.cols]).toEqual([first.rows, first.cols]);
    // Prisma writes doubles with 16 significant digits: equal to 1e-15 relative, not bit for bit.
    expect(stored.spacingXMm).toBeCloseTo(first.spacingMm[0], 12);
    expect(stored.spacingYMm).toBeCloseTo(first.spacingMm[1], 12);
    expect(Buffer.from(stored.label ?? []).equals(Buffer.from(first.label))).toBe(true);
    expect(new Float32Array(new Uint8Array(stored.image).buffer)).toEqual(first.image);
    expect(dataset.subjects.reduce((n, s) => n + s.slices.length, 0)).toBe(
      expected.reduce((n, s) => n + s.slices.length, 0),
    );

    const events = await store.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['run.created', 'dataset.created']);
    expect(JSON.parse(events[1].details)).toMatchObject({ contentHash: dataset.contentHash, runId: run.id });
    expect((await verifyAuditChain(store)).ok).toBe(true);
  });

  test('`cardiac-uq runs follow` shows a run to its end; `runs list` lists it', async () => {
    const res = await api.gql(
      'mutation { createPhantomDataset(input: { name: "followed", site: "B", subjects: 2, seed: 1 }) { id } }',
    );
    const id = res.body.data.createPhantomDataset.id;
    const follow = spawnCli(['runs', 'follow', id, '--url', api.graphqlUrl, '--interval', '0.2'], {});
    expect(await follow.exited).toBe(0);
    expect(follow.output()).toMatch(/SUCCEEDED/);
    const list = spawnCli(['runs', 'list', '--url', api.graphqlUrl, '--json'], {});
    expect(await list.exited).toBe(0);
    expect(JSON.parse(list.output()).nodes.map((r: { id: string }) => r.id)).toContain(id);
    const missing = spawnCli(['runs', 'follow', '00000000-0000-0000-0000-000000000000', '--url', api.graphqlUrl], {});
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toMatch(/not found/);
  });

  test('bad input is refused with BAD_USER_INPUT or CONFLICT, and nothing is written or queued', async () => {
    const runsBefore = await store.run.count();
    const datasetsBefore = await store.dataset.count();
    const cases: Array<[string, string]> = [
      ['{ name: "x", site: "C", subjects: 2 }', 'BAD_USER_INPUT'],
      ['{ name: "x", site: "A", subjects: 0 }', 'BAD_USER_INPUT'],
      ['{ name: "x", site: "A", subjects: 100000 }', 'BAD_USER_INPUT'],
      ['{ name: "x\'; DROP TABLE \\"Dataset\\"; --", site: "A", subjects: 2 }', 'BAD_USER_INPUT'],
      ['{ name: "siteA-small", site: "A", subjects: 2 }', 'CONFLICT'],
    ];
    for (const [input, code] of cases) {
      const res = await api.gql(`mutation { createPhantomDataset(input: ${input}) { id } }`);
      expect(res.body.errors?.[0].extensions?.code).toBe(code);
    }
    expect(await store.run.count()).toBe(runsBefore);
    expect(await store.dataset.count()).toBe(datasetsBefore);
  });
});
