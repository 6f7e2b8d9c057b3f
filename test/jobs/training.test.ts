/**
 * startTraining end to end: GraphQL → pg-boss → worker → TensorFlow.js (wasm) → checkpoint in the
 * store, with provenance; bad input refused with typed errors and nothing queued.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { unpackCheckpoint } from '../../src/store/checkpoint-archive';
import { loadCheckpoint, disposeCheckpoint, weightsSha256 } from '../../src/engine/checkpoint';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

const server = testServers()[0];

describe('startTraining', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let datasetId: string;
  let dataDir: string;
  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-train-'));
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_DATA_DIR: dataDir, CARDIAC_UQ_BACKEND: 'wasm' });
    const res = await api.gql(
      'mutation { createPhantomDataset(input: { name: "train-A", site: "A", subjects: 4, seed: 3 }) { id } }',
    );
    datasetId = (await waitForRun(api.gql, res.body.data.createPhantomDataset.id)).datasetId;
  });
  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('an MC Dropout tiny run trains on wasm and stores a verifiable checkpoint', async () => {
    const res = await api.gql(
      `mutation { startTraining(input: { datasetId: "${datasetId}", method: MC_DROPOUT, preset: "tiny", epochs: 2, seed: 5, dropoutRate: 0.3 }) { id status method config } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data.startTraining;
    expect(run.config).toMatchObject({
      method: 'mcd',
      preset: 'tiny',
      epochs: 2,
      seed: 5,
      dropout: { rate: 0.3, layers: 'middle' },
    });
    const done = await waitForRun(api.gql, run.id, 180000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', backend: 'wasm', error: null });

    const checkpoints = await store.checkpoint.findMany({ where: { runId: run.id } });
    expect(checkpoints).toHaveLength(1);
    const epochs = await store.trainingEpoch.findMany({ where: { runId: run.id }, orderBy: { epoch: 'asc' } });
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(checkpoints[0].valNll).toBe(Math.min(...epochs.map((e) => e.valNll)));
    // The stored archive holds exactly the weights its SHA-256 names.
    const dir = unpackCheckpoint(checkpoints[0].weights!, path.join(dataDir, 'verify'));
    const loaded = await loadCheckpoint(dir);
    expect(loaded.kind).toBe('single');
    if (loaded.kind === 'single') expect(weightsSha256(loaded.model)).toBe(checkpoints[0].weightsSha256);
    disposeCheckpoint(loaded);
    expect(checkpoints[0].layerStats).toMatchObject({ dropout: expect.any(Array) });

    const actions = (await store.auditEvent.findMany({ orderBy: { seq: 'asc' } })).map((e) => e.action);
    expect(actions).toContain('checkpoint.stored');
  });

  test('bad training input: typed errors, nothing queued', async () => {
    const before = await store.run.count();
    const cases: Array<[string, string]> = [
      [`{ datasetId: "${crypto.randomUUID()}", method: PLAIN }`, 'NOT_FOUND'],
      [`{ datasetId: "${datasetId}", method: PLAIN, preset: "huge" }`, 'BAD_USER_INPUT'],
      [`{ datasetId: "${datasetId}", method: PLAIN, dropoutRate: 0.5 }`, 'BAD_USER_INPUT'],
      [`{ datasetId: "${datasetId}", method: MC_DROPOUT, dropoutRate: 1.5 }`, 'BAD_USER_INPUT'],
      [`{ datasetId: "${datasetId}", method: ENSEMBLE, members: 1 }`, 'BAD_USER_INPUT'],
      [`{ datasetId: "${datasetId}", method: BBB, epochs: 0 }`, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) {
      const res = await api.gql(`mutation { startTraining(input: ${input}) { id } }`);
      expect([input, res.body.errors?.[0].extensions?.code]).toEqual([input, code]);
    }
    expect(await store.run.count()).toBe(before);
  });
});
