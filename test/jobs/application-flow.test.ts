/**
 * The application end to end (issue 15; docs/design.md "Application check"), real Postgres, a real
 * pg-boss worker and tfjs wasm, tiny preset: train MC Dropout on phantom site A, evaluate its
 * labelled test split, choose a one-rule policy there (RV mutual information, poor left ≤ target), import
 * phantom site B from an ACDC-layout folder WITHOUT `_gt` files (slices stored unlabelled), run an
 * inference with the policy, then attach site B's label files and check the promise: the
 * realised review fraction and poor fraction left equal a hand count over the stored per-slice
 * flags and poor flags computed here from the stored mean label maps against the generator's own
 * label arrays (Dice/ASSD by brute force over boundary pixels, never the code under test). Bad
 * input on the way (a 2-D image where a volume is needed, site-B labels of the wrong shape) is
 * refused with a typed error and writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { generatePhantomDataset } from '../../src/engine/data/phantom';
import type { LabeledSlice } from '../../src/engine/data/types';
import { writeAcdcFolder } from '../../src/engine/io/acdc-import';
import { writeNifti } from '../../src/engine/io/nifti';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

/**
 * RV's class index (0 bg, 1 RV, 2 MYO, 3 LV) and its inter-observer ASSD in mm (design.md "Quality
 * control"). RV, because the tiny model trained one epoch draws no LV at all (every LV is poor),
 * while an RV is not poor where neither the model nor the truth has one.
 */
const RV = 1;
const RV_ASSD_MM = 1.88;

/** Pixels of {label = k} with a 4-neighbour outside it (the image edge counts as outside), as [row, col]. */
function boundary(label: Uint8Array, rows: number, cols: number, k: number): Array<[number, number]> {
  const inside = (r: number, c: number) => r >= 0 && r < rows && c >= 0 && c < cols && label[r * cols + c] === k;
  const out: Array<[number, number]> = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      if (inside(r, c) && (!inside(r - 1, c) || !inside(r + 1, c) || !inside(r, c - 1) || !inside(r, c + 1)))
        out.push([r, c]);
  return out;
}

/** Poor by the definition: ASSD over the pooled boundaries > the threshold, or exactly one side empty. */
function bruteForcePoor(pred: Uint8Array, truth: Uint8Array, s: LabeledSlice, k: number, limitMm: number): boolean {
  const a = boundary(pred, s.rows, s.cols, k);
  const b = boundary(truth, s.rows, s.cols, k);
  if (a.length === 0 && b.length === 0) return false;
  if (a.length === 0 || b.length === 0) return true;
  const [sx, sy] = s.spacingMm;
  const nearest = (p: [number, number], to: Array<[number, number]>) =>
    Math.sqrt(Math.min(...to.map((q) => ((p[0] - q[0]) * sx) ** 2 + ((p[1] - q[1]) * sy) ** 2)));
  let sum = 0;
  for (const p of a) sum += nearest(p, b);
  for (const q of b) sum += nearest(q, a);
  return sum / (a.length + b.length) > limitMm;
}

describe('the application: site A policy, site B unlabelled inference, promise checked after attaching labels', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let root: string;
  let dataDir: string;
  const siteB = generatePhantomDataset({ site: 'B', subjects: 2, seed: 21 });
  let trainingRunId: string;
  let evaluationId: string;
  let siteBId: string;

  const written = async () => ({
    datasets: await store.dataset.count(),
    slices: await store.slice.count(),
    sliceLabels: await store.sliceLabel.count(),
    audit: await store.auditEvent.count(),
  });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-app-'));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-app-data-'));
    // Site B as the ACDC test set ships (images only), and its label files in a folder of their own.
    writeAcdcFolder(
      path.join(root, 'site-b'),
      siteB.map((s) => ({ ...s, slices: s.slices.map((x) => ({ ...x, label: null })) })),
    );
    writeAcdcFolder(path.join(root, 'site-b-labels'), siteB);
    // Labels of another phantom draw: other image sizes, so every subject's label has the wrong shape.
    writeAcdcFolder(path.join(root, 'site-b-wrong'), generatePhantomDataset({ site: 'B', subjects: 2, seed: 22 }));
    // A 2-D file where the ED volume should be.
    fs.cpSync(path.join(root, 'site-b', 'patient001'), path.join(root, 'flat', 'patient001'), { recursive: true });
    const ed = fs.readdirSync(path.join(root, 'flat', 'patient001')).find((f) => f.endsWith('frame01.nii.gz'))!;
    fs.writeFileSync(
      path.join(root, 'flat', 'patient001', ed),
      writeNifti({ dims: [4, 3], spacingMm: [1, 1], data: new Float32Array(12) }),
    );

    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    api = await startTestPlatform(db.url, 'all', {
      CARDIAC_UQ_IMPORT_ROOT: root,
      CARDIAC_UQ_DATA_DIR: dataDir,
      CARDIAC_UQ_BACKEND: 'wasm',
    });
    const ds = await api.gql(
      'mutation { createPhantomDataset(input: { name: "app-A", site: "A", subjects: 8, seed: 11 }) { id } }',
    );
    const siteA = (await waitForRun(api.gql, ds.body.data.createPhantomDataset.id)).datasetId;
    const tr = await api.gql(
      `mutation { startTraining(input: { datasetId: "${siteA}", method: MC_DROPOUT, preset: "tiny", epochs: 1, seed: 2, dropoutRate: 0.3 }) { id } }`,
    );
    trainingRunId = tr.body.data.startTraining.id;
    expect((await waitForRun(api.gql, trainingRunId, 180000)).status).toBe('SUCCEEDED');
    const ev = await api.gql(
      `mutation { startEvaluation(input: { trainingRunId: "${trainingRunId}", datasetId: "${siteA}", split: TEST, samples: 2, seed: 9, shardSize: 100 }) { id } }`,
    );
    expect((await waitForRun(api.gql, ev.body.data.startEvaluation.id, 180000)).status).toBe('SUCCEEDED');
    evaluationId = (await store.evaluation.findUniqueOrThrow({ where: { runId: ev.body.data.startEvaluation.id } })).id;
  }, 300000);

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a 2-D image where a volume is needed fails the import with BAD_SHAPE and stores nothing', async () => {
    const before = await written();
    const res = await api.gql('mutation { importDataset(input: { name: "flat", path: "flat", layout: ACDC }) { id } }');
    expect(res.body.errors).toBeUndefined();
    const run = await waitForRun(api.gql, res.body.data.importDataset.id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/a 3-D volume is needed, got a 2-D file/);
    const after = await written();
    // The failed run's own audit events aside, nothing of a dataset is stored.
    expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
  });

  test('site A policy → site B imported without labels → inference → labels attached → the promise, counted by hand', async () => {
    // Site B, images only: every slice stored unlabelled.
    const imp = await api.gql(
      'mutation { importDataset(input: { name: "site-b", path: "site-b", layout: ACDC }) { id } }',
    );
    const imported = await waitForRun(api.gql, imp.body.data.importDataset.id);
    expect([imported.status, imported.error]).toEqual(['SUCCEEDED', null]);
    siteBId = imported.datasetId;
    const sliceCount = siteB.reduce((n, s) => n + s.slices.length, 0);
    const counts = await api.gql(`{ dataset(id: "${siteBId}") { labelledSliceCount unlabelledSliceCount } }`);
    expect(counts.body.data.dataset).toEqual({ labelledSliceCount: 0, unlabelledSliceCount: sliceCount });

    // The policy, on site A's labelled test slices: half the RV poor fraction left at most.
    const rv = await store.structureMetric.findMany({
      where: { structure: 'RV', evaluationId },
      select: { poor: true },
    });
    const target = Math.floor((50 * rv.filter((r) => r.poor).length) / rv.length) / 100;
    expect(target).toBeGreaterThan(0);
    const pol = await api.gql(`mutation { createPolicy(input: { name: "rv-mi", evaluationId: "${evaluationId}",
        target: ${target}, resamples: 200, seed: 4, rules: [{ structure: RV, measure: MI }] }) {
      id cases reviewFraction { estimate low high } poorLeft { estimate low high } } }`);
    expect(pol.body.errors).toBeUndefined();
    const policy = pol.body.data.createPolicy;
    expect(policy.cases).toBe(rv.length);
    expect(policy.poorLeft.estimate).toBeLessThanOrEqual(target + 1e-9);

    const inf = await api.gql(
      `mutation { startInference(input: { trainingRunId: "${trainingRunId}", datasetId: "${siteBId}", samples: 2, policyId: "${policy.id}", seed: 5, shardSize: 20 }) { id } }`,
    );
    expect(inf.body.errors).toBeUndefined();
    const run = await waitForRun(api.gql, inf.body.data.startInference.id, 180000);
    expect([run.status, run.error]).toEqual(['SUCCEEDED', null]);
    const inferenceId = (await store.inference.findUniqueOrThrow({ where: { runId: run.id } })).id;
    const check = `{ promiseCheck(inferenceId: "${inferenceId}") { slices labelled flagged poor ruleStructures
        reviewFraction poorLeft reviewFractionWithinInterval poorLeftWithinInterval structures { structure poor poorLeft }
        promised { reviewFraction reviewFractionLow reviewFractionHigh poorLeft poorLeftLow poorLeftHigh target } } }`;
    // Nothing is labelled yet: nothing to check, never a silent 0.
    const early = (await api.gql(check)).body.data.promiseCheck;
    expect(early).toMatchObject({ slices: sliceCount, labelled: 0, reviewFraction: null, poorLeft: null });

    // Labels of the wrong shape: refused whole, nothing written; then site B's own.
    const before = await written();
    const attach = (p: string) =>
      api.gql(
        `mutation { attachLabels(input: { datasetId: "${siteBId}", path: "${p}", layout: ACDC }) { labelledSliceCount } }`,
      );
    const wrong = await attach('site-b-wrong');
    expect(wrong.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_SHAPE' });
    expect(await written()).toEqual(before);
    const right = await attach('site-b-labels');
    expect(right.body.errors).toBeUndefined();
    expect(right.body.data.attachLabels.labelledSliceCount).toBe(sliceCount);

    // By hand: the stored flag and mean label map of every slice against the generator's label.
    const truth = new Map(siteB.flatMap((s) => s.slices.map((x) => [`${s.id}/${x.phase}/${x.sliceIndex}`, x])));
    const rows = await store.inferenceSlice.findMany({
      where: { inferenceId },
      select: {
        flagged: true,
        labelMap: true,
        slice: { select: { phase: true, sliceIndex: true, subject: { select: { externalId: true } } } },
      },
    });
    expect(rows).toHaveLength(sliceCount);
    // Label maps are stored raw-deflated (store/map-codec.ts, fflate).
    const cases = rows.map((r) => {
      const gt = truth.get(`${r.slice.subject.externalId}/${r.slice.phase}/${r.slice.sliceIndex}`)!;
      const mean = new Uint8Array(inflateRawSync(r.labelMap));
      expect(mean).toHaveLength(gt.rows * gt.cols);
      expect(r.flagged === true || r.flagged === false).toBe(true);
      return { flagged: r.flagged === true, poor: bruteForcePoor(mean, gt.label, gt, RV, RV_ASSD_MM) };
    });
    const n = cases.length;
    const flagged = cases.filter((c) => c.flagged).length;
    const poor = cases.filter((c) => c.poor).length;
    const poorLeft = cases.filter((c) => c.poor && !c.flagged).length / n;
    // Not a degenerate check: some slices flagged and some not, some poor and some not.
    for (const k of [flagged, poor]) expect(k > 0 && k < n).toBe(true);
    const got = (await api.gql(check)).body.data.promiseCheck;
    expect(got).toMatchObject({
      slices: n,
      labelled: n,
      flagged,
      poor,
      ruleStructures: ['RV'],
      reviewFraction: flagged / n,
      poorLeft,
      reviewFractionWithinInterval:
        policy.reviewFraction.low <= flagged / n && flagged / n <= policy.reviewFraction.high,
      poorLeftWithinInterval: policy.poorLeft.low <= poorLeft && poorLeft <= policy.poorLeft.high,
    });
    expect(got.structures.find((s: { structure: string }) => s.structure === 'RV')).toEqual({
      structure: 'RV',
      poor,
      poorLeft,
    });
    expect(got.promised).toEqual({
      reviewFraction: policy.reviewFraction.estimate,
      reviewFractionLow: policy.reviewFraction.low,
      reviewFractionHigh: policy.reviewFraction.high,
      poorLeft: policy.poorLeft.estimate,
      poorLeftLow: policy.poorLeft.low,
      poorLeftHigh: policy.poorLeft.high,
      target,
    });
    // The realised review fraction of the inference's own query is the same count over all slices.
    const q = await api.gql(`{ inference(id: "${inferenceId}") { reviewFraction { realised } } }`);
    expect(q.body.data.inference.reviewFraction.realised).toBe(flagged / n);
  });
});
