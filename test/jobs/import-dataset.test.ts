/**
 * importDataset: an ACDC-layout folder under the server's import root becomes a dataset whose
 * slices equal the files'; paths outside the root and broken files are refused, writing nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { generatePhantomDataset } from '../../src/engine/data/phantom';
import { writeAcdcFolder, readAcdcFolder } from '../../src/engine/io/acdc-import';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

describe('importDataset', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-import-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-outside-'));
    writeAcdcFolder(path.join(root, 'acdc'), generatePhantomDataset({ site: 'B', subjects: 2, seed: 4 }));
    writeAcdcFolder(path.join(outside, 'secret'), generatePhantomDataset({ site: 'B', subjects: 1, seed: 5 }));
    fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'link-out'));
    fs.mkdirSync(path.join(root, 'broken', 'patient001'), { recursive: true });
    fs.cpSync(path.join(root, 'acdc', 'patient001'), path.join(root, 'broken', 'patient001'), { recursive: true });
    const gt = fs.readdirSync(path.join(root, 'broken', 'patient001')).find((f) => f.endsWith('_gt.nii.gz'))!;
    const file = path.join(root, 'broken', 'patient001', gt);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100)); // truncated gzip
    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_IMPORT_ROOT: root });
  });
  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test('an ACDC folder is stored slice for slice', async () => {
    const res = await api.gql(
      'mutation { importDataset(input: { name: "acdc-like", path: "acdc", layout: ACDC }) { id } }',
    );
    expect(res.body.errors).toBeUndefined();
    const run = await waitForRun(api.gql, res.body.data.importDataset.id);
    expect(run.status).toBe('SUCCEEDED');
    const expected = readAcdcFolder(path.join(root, 'acdc'));
    const dataset = await store.dataset.findUniqueOrThrow({
      where: { id: run.datasetId },
      include: { subjects: { include: { slices: true } } },
    });
    expect(dataset.source).toBe('ACDC');
    expect(dataset.subjects.map((s) => s.externalId).sort()).toEqual(expected.map((s) => s.id).sort());
    const slices = dataset.subjects.flatMap((s) => s.slices);
    expect(slices).toHaveLength(expected.reduce((n, s) => n + s.slices.length, 0));
    const first = expected[0].slices[0];
    const stored = dataset.subjects
      .find((s) => s.externalId === expected[0].id)!
      .slices.find((s) => s.phase === first.phase && s.sliceIndex === first.sliceIndex)!;
    expect(Buffer.from(stored.label ?? []).equals(Buffer.from(first.label!))).toBe(true);
  });

  test('paths outside the import root are refused before anything is queued', async () => {
    const before = await store.run.count();
    for (const p of [
      '../',
      '../../etc',
      outside,
      path.join(outside, 'secret'),
      'link-out',
      'nope',
      'acdc/patient001/Info.cfg',
    ]) {
      const res = await api.gql(
        'mutation($p: String!) { importDataset(input: { name: "x", path: $p, layout: ACDC }) { id } }',
        { p },
      );
      expect([p, res.body.errors?.[0].extensions?.code]).toEqual([p, 'BAD_USER_INPUT']);
    }
    expect(await store.run.count()).toBe(before);
  });

  test('a broken file fails the run at once with a clear message and stores nothing', async () => {
    const datasets = await store.dataset.count();
    const res = await api.gql(
      'mutation { importDataset(input: { name: "broken", path: "broken", layout: ACDC }) { id } }',
    );
    const run = await waitForRun(api.gql, res.body.data.importDataset.id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/gzip|truncated|corrupt/i);
    expect(await store.dataset.count()).toBe(datasets);
    expect(await store.slice.count({ where: { subject: { dataset: { name: 'broken' } } } })).toBe(0);
  });
});
