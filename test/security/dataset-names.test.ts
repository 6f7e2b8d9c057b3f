/**
 * A dataset name is claimed in the mutation's own transaction (issue 14, item 7): of 20 concurrent
 * createPhantomDataset/importDataset mutations with one name exactly one is accepted, the others
 * are refused at once with CONFLICT, and no run fails later on the taken name. Real platform (API
 * and worker), real Postgres.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { BAD_DIR } from '../fixtures/make-bad-fixtures';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

const server = testServers()[0];

const PHANTOM =
  'mutation($n: String!) { createPhantomDataset(input: { name: $n, site: "A", subjects: 2, seed: 1 }) { id } }';
const IMPORT = 'mutation($n: String!) { importDataset(input: { name: $n, path: "acdc", layout: ACDC }) { id } }';

describe('dataset names under concurrent mutations', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let root: string;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-names-root-'));
    const patient = path.join(root, 'acdc', 'patient001');
    fs.mkdirSync(patient, { recursive: true });
    fs.writeFileSync(path.join(patient, 'Info.cfg'), 'ED: 1\nES: 12\nGroup: NOR\n');
    for (const frame of ['01', '12']) {
      for (const suffix of ['', '_gt'])
        fs.copyFileSync(
          path.join(BAD_DIR, 'ok-labels.nii.gz'),
          path.join(patient, `patient001_frame${frame}${suffix}.nii.gz`),
        );
    }
    api = await startTestPlatform(db.url, 'all', {
      CARDIAC_UQ_IMPORT_ROOT: root,
      CARDIAC_UQ_DATA_DIR: root,
      CARDIAC_UQ_BACKEND: 'cpu',
    });
  });

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test.each([
    ['createPhantomDataset', 'phantom-twins', () => PHANTOM],
    ['importDataset', 'import-twins', () => IMPORT],
    ['both mutations mixed', 'mixed-twins', (i: number) => (i % 2 ? IMPORT : PHANTOM)],
  ])('20 concurrent %s with one name: one accepted, 19 CONFLICT at once, no failed run', async (_name, name, query) => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api.gql(query(i), { n: name })));
    const accepted = answers.filter((a) => !a.body.errors);
    expect(accepted).toHaveLength(1);
    const refused = answers.filter((a) => a.body.errors);
    expect(refused.map((a) => a.body.errors?.[0].extensions?.code)).toEqual(Array(19).fill('CONFLICT'));
    for (const a of refused) expect(a.body.errors?.[0].message).toContain(name);

    const runId = Object.values(accepted[0].body.data as Record<string, { id: string }>)[0].id;
    const runs = await store.run.findMany({ where: { kind: 'DATASET' } });
    expect(runs.filter((r) => (r.config as { name?: string }).name === name).map((r) => r.id)).toEqual([runId]);
    expect((await waitForRun(api.gql, runId, 120000)).status).toBe('SUCCEEDED');
    expect(await store.dataset.count({ where: { name } })).toBe(1);
    expect(await store.run.count({ where: { status: 'FAILED' } })).toBe(0);

    // Once it exists the name stays taken.
    const again = await api.gql(PHANTOM, { n: name });
    expect(again.body.errors?.[0].extensions?.code).toBe('CONFLICT');
  });
});
