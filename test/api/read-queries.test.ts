/**
 * The read API over HTTP against real Postgres servers (embedded, and external when present):
 * serverInfo with real pg-boss counts, cursor pagination, filters, unknown ids, bad input.
 */
import crypto from 'node:crypto';
import { createStore } from '../../src/db/client';
import { startBoss } from '../../src/jobs/queues';
import type { Store } from '../../src/db/client';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

async function seed(store: Store) {
  const datasets = [];
  for (const site of ['A', 'B']) {
    const dataset = await store.dataset.create({
      data: { name: `phantom-${site}`, source: 'PHANTOM', site, contentHash: sha(site), createdBy: 'seed' },
    });
    datasets.push(dataset);
    for (let s = 0; s < 5; s++) {
      const subject = await store.subject.create({
        data: {
          datasetId: dataset.id,
          externalId: `patient${String(s).padStart(3, '0')}`,
          split: s < 3 ? 'TRAIN' : 'TEST',
          group: s % 2 ? 'DCM' : 'NOR',
        },
      });
      for (let z = 0; z < 4; z++) {
        await store.slice.create({
          data: {
            subjectId: subject.id,
            phase: 'ED',
            sliceIndex: z,
            sliceCount: 4,
            position: z / 3,
            spacingXMm: 1.8,
            spacingYMm: 1.8,
            rows: 2,
            cols: 2,
            image: Buffer.alloc(16),
            label: Buffer.alloc(4),
            contentHash: sha(`${site}${s}${z}`),
          },
        });
      }
    }
  }
  for (const [i, method] of (['PLAIN', 'MC_DROPOUT', 'BBB'] as const).entries()) {
    await store.run.create({
      data: {
        kind: 'TRAIN',
        method,
        config: { i },
        status: i === 0 ? 'SUCCEEDED' : 'QUEUED',
        codeVersion: 'test',
        createdBy: 'seed',
      },
    });
  }
  return datasets;
}

describe.each(testServers().map((s) => [s.name, s] as const))('read API on %s Postgres', (_name, server) => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let datasets: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    datasets = await seed(store);
    api = await startTestPlatform(db.url, 'api');
  });
  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
  });

  test('serverInfo reports version, database and pg-boss counts that follow real jobs', async () => {
    const before = await api.gql(
      '{ serverInfo { version backend database queues { name queued active failed completed } } }',
    );
    expect(before.body.errors).toBeUndefined();
    const info = before.body.data.serverInfo;
    expect(info.version).toBe(require('../../package.json').version);
    expect(info.database).toContain(db.name);
    expect(info.database).not.toMatch(/:[^/@]*@/); // no credentials
    const queue = info.queues.find((q: { name: string }) => q.name === 'study');
    expect(queue).toEqual({ name: 'study', queued: 0, active: 0, failed: 0, completed: 0 });

    const boss = await startBoss(db.url);
    await boss.send('study', { probe: 1 });
    await boss.send('study', { probe: 2 });
    await boss.stop({ graceful: false });
    const after = await api.gql('{ serverInfo { queues { name queued } } }');
    expect(after.body.data.serverInfo.queues.find((q: { name: string }) => q.name === 'study').queued).toBe(2);
  });

  test('cursor pagination walks every subject exactly once, in order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res: any = await api.gql(
        'query($after: String) { subjects(first: 3, after: $after) { totalCount nodes { id externalId } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data.subjects;
      expect(page.totalCount).toBe(10);
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(10);
  });

  test('filters by split, site, group and slice position', async () => {
    const res = await api.gql(`{
      train: subjects(filter: { split: TRAIN }) { totalCount }
      siteB: subjects(filter: { site: "B" }) { totalCount nodes { datasetId } }
      dcmTest: subjects(filter: { split: TEST, group: "DCM" }) { totalCount }
      basal: slices(filter: { positionMax: 0.4, site: "A" }) { totalCount nodes { position } }
      queued: runs(filter: { status: QUEUED }) { totalCount nodes { method } }
      mcd: runs(filter: { method: MC_DROPOUT }) { totalCount }
      phantomA: datasets(filter: { site: "A" }) { totalCount nodes { name } }
    }`);
    expect(res.body.errors).toBeUndefined();
    const d = res.body.data;
    expect(d.train.totalCount).toBe(6);
    expect(d.siteB.totalCount).toBe(5);
    expect(new Set(d.siteB.nodes.map((n: { datasetId: string }) => n.datasetId))).toEqual(new Set([datasets[1].id]));
    expect(d.dcmTest.totalCount).toBe(2); // subjects 3 (DCM) of each dataset; subject 4 is NOR
    expect(d.basal.totalCount).toBe(10); // positions 0 and 1/3 of 5 subjects
    expect(d.basal.nodes.every((n: { position: number }) => n.position <= 0.4)).toBe(true);
    expect(d.queued.totalCount).toBe(2);
    expect(d.mcd.totalCount).toBe(1);
    expect(d.phantomA.nodes).toEqual([{ name: 'phantom-A' }]);
  });

  test('unknown ids give null; malformed ids are BAD_USER_INPUT naming the argument (issue 14)', async () => {
    const res = await api.gql(`{
      a: dataset(id: "${crypto.randomUUID()}") { id }
      d: slice(id: "${crypto.randomUUID()}") { id }
      e: subjects(filter: { datasetId: "${crypto.randomUUID()}" }) { totalCount }
    }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ a: null, d: null, e: { totalCount: 0 } });
    for (const query of [
      '{ dataset(id: "not-a-uuid") { id } }',
      '{ run(id: "\'; DROP TABLE \\"Run\\"; --") { id } }',
      '{ subjects(filter: { datasetId: "nope" }) { totalCount } }',
    ]) {
      const bad = await api.gql(query);
      expect([query, bad.body.errors?.[0].extensions?.code]).toEqual([query, 'BAD_USER_INPUT']);
    }
    expect(await store.run.count()).toBe(3);
  });

  test('bad input gets typed GraphQL errors and the server keeps serving', async () => {
    const syntax = await api.gql('{ serverInfo { version ');
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    const unknownField = await api.gql('{ serverInfo { nope } }');
    expect(unknownField.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const tooBig = await api.gql('{ subjects(first: 501) { totalCount } }');
    expect(tooBig.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const absurd = await api.gql('{ subjects(first: 100000) { totalCount } }');
    expect(absurd.body.errors?.[0].extensions?.code).toMatch(/^(BAD_USER_INPUT|QUERY_TOO_COMPLEX)$/);

    const badCursor = await api.gql('{ subjects(after: "garbage") { totalCount } }');
    expect(badCursor.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    const foreignCursor = Buffer.from(datasets[0].id).toString('base64url');
    const wrongList = await api.gql(`{ subjects(after: "${foreignCursor}") { totalCount } }`);
    expect(wrongList.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    const ok = await api.gql('{ serverInfo { version } }');
    expect(ok.body.data.serverInfo.version).toBeDefined();
  });

  test('introspection is on', async () => {
    const res = await api.gql('{ __schema { queryType { name } } }');
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });
});
