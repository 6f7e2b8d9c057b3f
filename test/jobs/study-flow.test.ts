/**
 * The platform end to end over HTTP against a real Postgres, tiny preset: phantom dataset →
 * MC Dropout training → evaluation with T = 5 → summaries, calibration, QC curves, baselines,
 * correlations and provenance — each checked against the engine's own numbers recomputed here
 * from the stored checkpoint and slices.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { STRUCTURES, NUM_CLASSES } from '../../src/engine/data/types';
import { evaluateSlice } from '../../src/engine/metrics/slice-evaluation';
import {
  mergeReliabilityHistograms,
  emptyReliabilityHistogram,
  expectedCalibrationError,
} from '../../src/engine/metrics/calibration';
import { adaptiveCalibrationError, topLabelOutcomes } from '../../src/engine/metrics/adaptive-calibration-error';
import { classwiseCalibrationError } from '../../src/engine/metrics/classwise-calibration-error';
import { qcCurve, randomReviewBaseline, slicePositionBaseline } from '../../src/engine/metrics/qc-curve';
import { spearman } from '../../src/engine/metrics/spearman';
import { sampleProbabilities } from '../../src/engine/inference/sampling';
import { loadCheckpoint, disposeCheckpoint } from '../../src/engine/checkpoint';
import { initBackend } from '../../src/engine/backend';
import { unpackCheckpoint } from '../../src/store/checkpoint-archive';
import { loadSlices } from '../../src/store/load-slices';
import { verifyAuditChain } from '../../src/db/audit';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

const server = testServers()[0];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('study flow through GraphQL (tiny preset)', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let dataDir: string;
  let datasetId: string;
  let trainingRunId: string;
  let evaluationId: string;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-flow-'));
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_DATA_DIR: dataDir, CARDIAC_UQ_BACKEND: 'wasm' });
    const ds = await api.gql(
      'mutation { createPhantomDataset(input: { name: "flow-A", site: "A", subjects: 6, seed: 11 }) { id } }',
    );
    datasetId = (await waitForRun(api.gql, ds.body.data.createPhantomDataset.id)).datasetId;
    const tr = await api.gql(
      `mutation { startTraining(input: { datasetId: "${datasetId}", method: MC_DROPOUT, preset: "tiny", epochs: 2, seed: 2, dropoutRate: 0.3 }) { id } }`,
    );
    trainingRunId = tr.body.data.startTraining.id;
    expect((await waitForRun(api.gql, trainingRunId, 180000)).status).toBe('SUCCEEDED');
    const ev = await api.gql(
      `mutation { startEvaluation(input: { trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", split: TEST, samples: 5, seed: 9, shardSize: 7 }) { id } }`,
    );
    expect(ev.body.errors).toBeUndefined();
    const evalRun = await waitForRun(api.gql, ev.body.data.startEvaluation.id, 180000);
    expect(evalRun).toMatchObject({ status: 'SUCCEEDED', backend: 'wasm' });
    evaluationId = (await store.evaluation.findUniqueOrThrow({ where: { runId: evalRun.id } })).id;
  }, 300000);

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('stored results equal the engine recomputed from the stored checkpoint and slices', async () => {
    await initBackend('wasm');
    const checkpoint = await store.checkpoint.findFirstOrThrow({ where: { runId: trainingRunId } });
    const model = await loadCheckpoint(unpackCheckpoint(checkpoint.weights!, path.join(dataDir, 'recompute')));
    const slices = await loadSlices(store, { datasetId, splits: ['TEST'] });
    const engine = slices.map((slice) => {
      const samples = sampleProbabilities(model, slice, 5, { seed: 9 });
      const [T, rows, cols] = samples.shape;
      const per = rows * cols * NUM_CLASSES;
      const meanProbs = new Float64Array(per);
      for (let t = 0; t < T; t++) for (let i = 0; i < per; i++) meanProbs[i] += samples.data[t * per + i] / T;
      return {
        slice,
        outcomes: topLabelOutcomes(meanProbs, slice.label, rows * cols, NUM_CLASSES),
        result: evaluateSlice(samples.data, { T, rows, cols, C: NUM_CLASSES }, slice.label, slice.spacingMm),
      };
    });
    disposeCheckpoint(model);

    const res = await api.gql(`{ evaluation(id: "${evaluationId}") {
      samples method
      summary { structure n kept undefinedCount poorCount dice assd hd hd95 diceWithin assdWithin }
      calibration { ece nll brier points { confidence accuracy count } }
      calibrationMeasures { classwiseEce adaptiveEce adaptiveEceErrorBound unavailable }
      plausibility { slices unavailable withLv myoOpen rvLvContact structures { structure present fragmented wrongHoles } }
      lv: qcCurve(structure: LV, measure: ENTROPY) { points { flagged remaining } auc reviewAt(target: 0.05) n poor }
      rv: qcCurve(structure: RV, measure: ASSD_WITHIN) { auc reviewAt }
      baselines(structure: LV) { random { auc reviewAt } slicePosition { auc reviewAt } }
      correlations { measure structure spearman n }
      predictions(first: 3, sortBy: ENTROPY) { totalCount nodes { id image { entropy } } }
    } }`);
    expect(res.body.errors).toBeUndefined();
    const e = res.body.data.evaluation;
    expect(e.samples).toBe(5);
    expect(e.method).toBe('MC_DROPOUT');

    for (const structure of STRUCTURES) {
      const rows = engine.map((x) => x.result.structures[structure]);
      const kept = rows.filter((r) => r.assdMm !== null);
      const s = e.summary.find((x: { structure: string }) => x.structure === structure);
      expect(s.n).toBe(slices.length);
      expect(s.kept).toBe(kept.length);
      expect(s.poorCount).toBe(rows.filter((r) => r.poor).length);
      expect(s.dice).toBeCloseTo(mean(rows.map((r) => r.dice)), 9);
      if (kept.length) expect(s.assd).toBeCloseTo(mean(kept.map((r) => r.assdMm!)), 9);
      expect(s.diceWithin).toBeCloseTo(mean(rows.map((r) => r.diceWithin)), 9);
    }

    // The shards stored the mean segmentations' plausibility: the counts of the recomputed ones.
    const plausible = engine.map((x) => x.result.plausibility!);
    const count = (f: (p: (typeof plausible)[number]) => boolean) => plausible.filter(f).length;
    expect(e.plausibility).toEqual({
      slices: slices.length,
      unavailable: 0,
      withLv: count((p) => p.myoClosed !== null),
      myoOpen: count((p) => p.myoClosed === false),
      rvLvContact: count((p) => p.rvLvContact > 0),
      structures: STRUCTURES.map((k) => k)
        .sort()
        .map((structure) => ({
          structure,
          present: count((p) => p.topology[structure].components > 0),
          fragmented: count((p) => p.topology[structure].components > 1),
          wrongHoles: count(
            (p) => p.topology[structure].holes !== (structure === 'MYO' && p.myoClosed !== null ? 1 : 0),
          ),
        })),
    });

    const histogram = engine.reduce(
      (h, x) => mergeReliabilityHistograms(h, x.result.histogram),
      emptyReliabilityHistogram(15),
    );
    expect(e.calibration.ece).toBeCloseTo(expectedCalibrationError(histogram)!, 9);
    expect(e.calibration.nll).toBeCloseTo(mean(engine.map((x) => x.result.nll)), 9);
    expect(e.calibration.brier).toBeCloseTo(mean(engine.map((x) => x.result.brier)), 9);
    expect(e.calibration.points.map((p: { count: number }) => p.count)).toEqual(histogram.count);

    // The shards stored the per-class and fine histograms: class-wise ECE as merged here, adaptive
    // ECE within its bound of the exact equal-mass ECE of every pixel's p̄ recomputed above.
    const classes = engine.reduce(
      (hs, x) => hs.map((h, c) => mergeReliabilityHistograms(h, x.result.classHistograms![c])),
      Array.from({ length: NUM_CLASSES }, () => emptyReliabilityHistogram(15)),
    );
    expect(e.calibrationMeasures.unavailable).toBeNull();
    expect(e.calibrationMeasures.classwiseEce).toBeCloseTo(classwiseCalibrationError(classes)!, 9);
    const exactAce = adaptiveCalibrationError(
      engine.flatMap((x) => Array.from(x.outcomes.confidence)),
      engine.flatMap((x) => Array.from(x.outcomes.correct)),
    )!;
    expect(Math.abs(e.calibrationMeasures.adaptiveEce - exactAce)).toBeLessThanOrEqual(
      e.calibrationMeasures.adaptiveEceErrorBound + 1e-9,
    );

    const lvPoor = engine.map((x) => x.result.structures.LV.poor);
    const lv = qcCurve(
      engine.map((x) => x.result.entropy),
      lvPoor,
    );
    expect(e.lv.n).toBe(lv.n);
    expect(e.lv.poor).toBe(lv.poor);
    expect(e.lv.auc).toBeCloseTo(lv.auc, 9);
    expect(e.lv.reviewAt).toBeCloseTo(lv.reviewFraction, 12);
    expect(e.lv.points[0].remaining).toBeCloseTo(lv.poor / lv.n, 12);
    expect(e.lv.points[e.lv.points.length - 1]).toEqual({ flagged: 1, remaining: 0 });

    const rv = qcCurve(
      engine.map((x) => x.result.structures.RV.assdWithinMm ?? Infinity),
      engine.map((x) => x.result.structures.RV.poor),
    );
    expect(e.rv.auc).toBeCloseTo(rv.auc, 9);
    expect(e.baselines.random.auc).toBeCloseTo(randomReviewBaseline(lv.n, lv.poor).auc, 12);
    const position = slicePositionBaseline(
      engine.map((x) => x.slice.sliceIndex),
      engine.map((x) => x.slice.sliceCount),
      lvPoor,
    );
    expect(e.baselines.slicePosition.auc).toBeCloseTo(position.auc, 12);

    const mi = e.correlations.find(
      (c: { measure: string; structure: string }) => c.measure === 'MI' && c.structure === 'MYO',
    );
    const expected = spearman(
      engine.map((x) => x.result.mi),
      engine.map((x) => x.result.structures.MYO.assdMm),
    );
    expect(mi.n).toBe(expected.n);
    if (expected.rho === null) expect(mi.spearman).toBeNull();
    else expect(mi.spearman).toBeCloseTo(expected.rho, 9);

    expect(e.predictions.totalCount).toBe(slices.length);
    const topEntropy = Math.max(...engine.map((x) => x.result.entropy));
    expect(e.predictions.nodes[0].image.entropy).toBeCloseTo(topEntropy, 9);
    expect(engine.some((x) => x.result.mi > 0)).toBe(true); // MC Dropout samples disagree somewhere
  });

  test('every prediction traces to its data, weights, configuration, code, backend and author', async () => {
    const prediction = await store.prediction.findFirstOrThrow({ where: { evaluationId }, include: { slice: true } });
    const checkpoint = await store.checkpoint.findFirstOrThrow({ where: { runId: trainingRunId } });
    const dataset = await store.dataset.findUniqueOrThrow({ where: { id: datasetId } });
    const res = await api.gql(`{ prediction(id: "${prediction.id}") {
      labelPng entropyPng miPng metrics { structure status dice poor }
      slice { id image gt }
      provenance { datasetId datasetHash sliceId sliceHash weightsSha256 checkpointIds trainingRunId config seed codeVersion backend actor createdAt }
    } }`);
    expect(res.body.errors).toBeUndefined();
    const p = res.body.data.prediction;
    expect(p.provenance).toMatchObject({
      datasetId,
      datasetHash: dataset.contentHash,
      sliceId: prediction.sliceId,
      sliceHash: prediction.slice.contentHash,
      weightsSha256: [checkpoint.weightsSha256],
      checkpointIds: [checkpoint.id],
      trainingRunId,
      seed: 9,
      backend: 'wasm',
      actor: 'test-actor',
    });
    expect(p.provenance.config.training).toMatchObject({ method: 'mcd', preset: 'tiny' });
    // The code version names the package version and a commit of this repository.
    const [version, build] = p.provenance.codeVersion.split('+');
    expect(version).toBe(require('../../package.json').version);
    expect(build).toMatch(/^[0-9a-f]{12}(\.dirty)?$/);
    expect(() => execFileSync('git', ['cat-file', '-e', `${build.slice(0, 12)}^{commit}`])).not.toThrow();
    for (const png of [p.labelPng, p.entropyPng, p.miPng, p.slice.image, p.slice.gt])
      expect(png).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(p.metrics.map((m: { structure: string }) => m.structure).sort()).toEqual(['LV', 'MYO', 'RV']);
    expect((await verifyAuditChain(store)).ok).toBe(true);
  });

  test('bad evaluation input: typed errors, nothing enqueued', async () => {
    const runsBefore = await store.run.count();
    const cases: Array<[string, string]> = [
      [`{ trainingRunId: "${datasetId}", datasetId: "${datasetId}" }`, 'NOT_FOUND'],
      [`{ trainingRunId: "${trainingRunId}", datasetId: "${trainingRunId}" }`, 'NOT_FOUND'],
      [`{ trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", samples: 1 }`, 'BAD_USER_INPUT'],
      [
        `{ trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", distortion: { kind: NOISE, level: 7 } }`,
        'BAD_USER_INPUT',
      ],
      [
        `{ trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", distortion: { kind: BLUR, level: 0 } }`,
        'BAD_USER_INPUT',
      ],
    ];
    for (const [input, code] of cases) {
      const r = await api.gql(`mutation { startEvaluation(input: ${input}) { id } }`);
      expect([input, r.body.errors?.[0].extensions?.code]).toEqual([input, code]);
    }
    const unfinished = await store.run.create({
      data: { kind: 'TRAIN', method: 'PLAIN', config: {}, codeVersion: 'x', createdBy: 'x', status: 'RUNNING' },
    });
    const r = await api.gql(
      `mutation { startEvaluation(input: { trainingRunId: "${unfinished.id}", datasetId: "${datasetId}" }) { id } }`,
    );
    expect(r.body.errors?.[0].message).toMatch(/RUNNING, not SUCCEEDED/);
    expect(await store.run.count()).toBe(runsBefore + 1);
  });
});
