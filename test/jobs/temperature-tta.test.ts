/**
 * Temperature scaling and test-time augmentation end to end (GraphQL → pg-boss → worker → wasm):
 * a tiny MC Dropout model gets a temperature fitted on its validation split (one CALIBRATE run, one
 * append-only TemperatureFit row counted against the stored slices), then one evaluation with TTA
 * and the fit applied: run config, label and stored metrics. Under TTA, sample t is dropout draw t:
 * sampleDraws on copies of one image equals the ordinary MC Dropout samples.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore, type Store } from '../../src/db/client';
import { initBackend } from '../../src/engine/backend';
import { sampleDraws, sampleSlices } from '../../src/engine/inference/sampling';
import { MAX_FIT_PIXELS } from '../../src/jobs/handlers/fit-temperature';
import { modelOfRun } from '../../src/store/checkpoint-cache';
import { loadSlices } from '../../src/store/load-slices';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

const server = testServers()[0];

describe('temperature scaling and TTA (tiny MC Dropout)', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let dataDir: string;
  let datasetId: string;
  let trainingRunId: string;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-ts-tta-'));
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_DATA_DIR: dataDir, CARDIAC_UQ_BACKEND: 'wasm' });
    const ds = await api.gql(
      'mutation { createPhantomDataset(input: { name: "ts-A", site: "A", subjects: 4, seed: 3 }) { id } }',
    );
    datasetId = (await waitForRun(api.gql, ds.body.data.createPhantomDataset.id)).datasetId;
    const tr = await api.gql(
      `mutation { startTraining(input: { datasetId: "${datasetId}", method: MC_DROPOUT, preset: "tiny", epochs: 1, seed: 2, dropoutRate: 0.1 }) { id } }`,
    );
    trainingRunId = tr.body.data.startTraining.id;
    expect((await waitForRun(api.gql, trainingRunId, 180000)).status).toBe('SUCCEEDED');
  }, 240000);
  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const evaluate = (extra: string) =>
    api.gql(
      `mutation { startEvaluation(input: { trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", split: TEST, samples: 3, shardSize: 500${extra} }) { id config } }`,
    );

  test('temperature scaling before any fit, and bad fit requests, are refused; nothing written', async () => {
    const runs = await store.run.count();
    const res = await evaluate(', temperatureScaling: true');
    expect((res.body.errors as any[])[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((res.body.errors as any[])[0].message).toMatch(/no temperature fit/);
    const cases: Array<[string, string]> = [
      [`trainingRunId: "${crypto.randomUUID()}"`, 'NOT_FOUND'],
      [`trainingRunId: "${trainingRunId}", samples: 1`, 'BAD_USER_INPUT'],
      [`trainingRunId: "${trainingRunId}", seed: -1`, 'BAD_USER_INPUT'],
    ];
    for (const [args, code] of cases) {
      const r = await api.gql(`mutation { fitTemperature(${args}) { id } }`);
      expect([args, (r.body.errors as any[])[0].extensions.code]).toEqual([args, code]);
    }
    expect(await store.run.count()).toBe(runs);
  });

  test('fit on the validation split, then one evaluation with TTA + TS', async () => {
    const fitRes = await api.gql(
      `mutation { fitTemperature(trainingRunId: "${trainingRunId}", samples: 3, seed: 4) { id kind config } }`,
    );
    expect(fitRes.body.errors).toBeUndefined();
    const fitRun = fitRes.body.data.fitTemperature;
    expect(fitRun.kind).toBe('CALIBRATE');
    expect((await waitForRun(api.gql, fitRun.id, 120000)).status).toBe('SUCCEEDED');

    const q = await api.gql(
      `{ temperatureFit(trainingRunId: "${trainingRunId}") { id runId temperature valNllBefore valNllAfter slices pixels samples createdBy } }`,
    );
    const fit = q.body.data.temperatureFit;
    // Counted from the store: every k-th pixel of 3 samples of every VAL slice, k the smallest
    // stride that keeps at most MAX_FIT_PIXELS.
    const val = await store.slice.findMany({
      where: { subject: { datasetId, split: 'VAL' } },
      select: { rows: true, cols: true },
    });
    expect(val.length).toBeGreaterThan(0);
    expect(fit).toMatchObject({ runId: fitRun.id, slices: val.length, samples: 3, createdBy: 'test-actor' });
    const total = val.reduce((n, s) => n + 3 * s.rows * s.cols, 0);
    const stride = Math.ceil(total / MAX_FIT_PIXELS);
    expect(stride).toBeGreaterThan(1);
    expect(fit.pixels).toBe(Math.ceil(total / stride));
    expect(fit.temperature).toBeGreaterThan(0.05);
    expect(fit.temperature).toBeLessThan(20);
    expect(fit.valNllAfter).toBeLessThanOrEqual(fit.valNllBefore);
    // Append-only.
    await expect(store.temperatureFit.update({ where: { id: fit.id }, data: { temperature: 1 } })).rejects.toThrow(
      /immutable/,
    );
    expect(await store.auditEvent.count({ where: { action: 'temperature.fitted', entityId: fit.id } })).toBe(1);

    const ev = await evaluate(', testTimeAugmentation: true, temperatureScaling: true');
    expect(ev.body.errors).toBeUndefined();
    const run = ev.body.data.startEvaluation;
    expect(run.config).toMatchObject({
      testTimeAugmentation: true,
      temperatureScaling: { fitId: fit.id, temperature: fit.temperature },
      samples: 3,
    });
    expect((await waitForRun(api.gql, run.id, 180000)).status).toBe('SUCCEEDED');
    const e = await store.evaluation.findUniqueOrThrow({ where: { runId: run.id } });
    const g = await api.gql(`{ evaluation(id: "${e.id}") { variant label summary { structure n dice } } }`);
    expect(g.body.errors).toBeUndefined();
    expect(g.body.data.evaluation.variant).toBe('MCD-0.1+TTA+TS');
    expect(g.body.data.evaluation.label).toMatch(/^MCD-0\.1\+TTA\+TS · ts-A \(site A\) TEST · T=3$/);
    const test = await store.slice.count({ where: { subject: { datasetId, split: 'TEST' } } });
    expect(await store.prediction.count({ where: { evaluationId: e.id } })).toBe(test);
    expect(await store.structureMetric.count({ where: { prediction: { evaluationId: e.id } } })).toBe(3 * test);
    const summary = g.body.data.evaluation.summary as Array<{ n: number; dice: number }>;
    expect(summary.map((r) => r.n)).toEqual([test, test, test]);
    for (const r of summary) expect(r.dice).toBeGreaterThanOrEqual(0);
  }, 300000);

  test('under TTA, sample t is dropout draw t (sampleDraws on copies = the MC Dropout samples)', async () => {
    await initBackend('wasm');
    const model = await modelOfRun(store, path.join(dataDir, 'test-side'), trainingRunId);
    const [slice] = await loadSlices(store, { datasetId, splits: ['VAL'] });
    const draws = sampleDraws(model, [slice, slice, slice], { seed: 7 });
    const [mcd] = sampleSlices(model, [slice], 3, { seed: 7, prefixCache: false });
    const per = slice.rows * slice.cols * 4;
    let worst = 0;
    draws.forEach((d, t) => d.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - mcd.data[t * per + k])))));
    expect(worst).toBeLessThan(1e-6);
    // The draws differ from each other (dropout is on).
    expect(draws[0]).not.toEqual(draws[1]);
  });
});
