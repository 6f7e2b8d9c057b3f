/**
 * Data without labels, end to end through the API and a real worker (issue 15 item 1): an M&Ms
 * folder without `_sa_gt` files imports with null labels, each volume's geometry and frame kept;
 * an evaluation on it is refused up front (LABELS_MISSING, nothing written); attachLabels refuses
 * a label of the wrong shape (nothing written), then attaches the right ones (SliceLabel rows,
 * content hashes as if imported with them, one audit event), refuses them a second time
 * (LABEL_CONFLICT), and the evaluation launch then succeeds.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { readNiftiGeometry, writeNifti, type NiftiVolume } from '../../src/engine/io/nifti';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

/** [nx, ny, nz, nt] cine; voxel (x, y, z, t) = f(x, y, z, t), x-fastest. */
function cine(dims: number[], f: (x: number, y: number, z: number, t: number) => number): NiftiVolume {
  const [nx, ny, nz, nt] = dims;
  const data = new Float32Array(nx * ny * nz * nt);
  for (let t = 0; t < nt; t++)
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[x + nx * (y + ny * (z + nz * t))] = f(x, y, z, t);
  return { dims, spacingMm: [1.25, 1.5, 9, 0.03], data };
}

const CSV = 'External code,VendorName,Vendor,Centre,ED,ES\nA0A0A0,Siemens,A,1,0,2\nB1B1B1,GE,C,4,1,3\n';
const FRAMES: Record<string, [number, number]> = { A0A0A0: [0, 2], B1B1B1: [1, 3] };
const image = (x: number, y: number, z: number, t: number) => 1000 * t + 100 * z + 10 * x + y + 1;
/** File value 3 (M&Ms: RV) at pixel x = 0, 2 (MYO) elsewhere, at the subject's ED and ES frames only. */
const label = (code: string) => (x: number, _y: number, _z: number, t: number) =>
  FRAMES[code].includes(t) ? (x === 0 ? 3 : 2) : 0;

describe('data without labels: import, refuse, attach, evaluate', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let root: string;
  let datasetId: string;
  let trainingRunId: string;

  const counts = async () => ({
    runs: await store.run.count(),
    evaluations: await store.evaluation.count(),
    sliceLabels: await store.sliceLabel.count(),
    audit: await store.auditEvent.count(),
  });
  const evaluate = () =>
    api.gql(
      'mutation($t: ID!, $d: ID!) { startEvaluation(input: { trainingRunId: $t, datasetId: $d, samples: 1 }) { id } }',
      { t: trainingRunId, d: datasetId },
    );
  const attach = (p: string) =>
    api.gql(
      'mutation($d: ID!, $p: String!) { attachLabels(input: { datasetId: $d, path: $p }) { id labelledSliceCount unlabelledSliceCount } }',
      { d: datasetId, p },
    );

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-unlabelled-'));
    for (const folder of ['scans', 'labels', 'labels-bad']) {
      fs.mkdirSync(path.join(root, folder));
      fs.writeFileSync(path.join(root, folder, 'info.csv'), CSV);
    }
    for (const code of Object.keys(FRAMES)) {
      for (const folder of ['scans', 'labels', 'labels-bad']) fs.mkdirSync(path.join(root, folder, code));
      fs.writeFileSync(path.join(root, 'scans', code, `${code}_sa.nii.gz`), writeNifti(cine([2, 3, 2, 4], image)));
      const gt = writeNifti(cine([2, 3, 2, 4], label(code)), { datatype: 'uint8' });
      fs.writeFileSync(path.join(root, 'labels', code, `${code}_sa_gt.nii.gz`), gt);
      // Bad: B1B1B1's label has 3 slices where the scan has 2.
      const bad = code === 'B1B1B1' ? writeNifti(cine([2, 3, 3, 4], label(code)), { datatype: 'uint8' }) : gt;
      fs.writeFileSync(path.join(root, 'labels-bad', code, `${code}_sa_gt.nii.gz`), bad);
    }
    fs.cpSync(path.join(root, 'scans'), path.join(root, 'scans-no-row'), { recursive: true });
    fs.writeFileSync(path.join(root, 'scans-no-row', 'info.csv'), CSV.split('\n').slice(0, 2).join('\n'));
    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_IMPORT_ROOT: root });
    const run = await store.run.create({
      data: {
        kind: 'TRAIN',
        method: 'PLAIN',
        config: { preset: 'tiny' },
        seed: 1,
        status: 'SUCCEEDED',
        progress: 1,
        codeVersion: 'test',
        createdBy: 'test',
      },
    });
    trainingRunId = run.id;
  });
  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('an M&Ms folder without labels imports: null labels, frames, vendor and centre, geometry kept', async () => {
    const res = await api.gql(
      'mutation { importDataset(input: { name: "mnms-b", path: "scans", layout: MNMS }) { id } }',
    );
    expect(res.body.errors).toBeUndefined();
    const run = await waitForRun(api.gql, res.body.data.importDataset.id);
    expect([run.status, run.error]).toEqual(['SUCCEEDED', null]);
    datasetId = run.datasetId;
    const subjects = await store.subject.findMany({
      where: { datasetId },
      include: {
        slices: { orderBy: [{ phase: 'asc' }, { sliceIndex: 'asc' }] },
        volumes: { orderBy: { phase: 'asc' } },
      },
      orderBy: { externalId: 'asc' },
    });
    expect(subjects.map((s) => [s.externalId, s.vendor, s.centre, s.slices.length])).toEqual([
      ['A0A0A0', 'A', '1', 4],
      ['B1B1B1', 'C', '4', 4],
    ]);
    expect(subjects.flatMap((s) => s.slices).every((s) => s.label === null)).toBe(true);
    const b = subjects[1];
    // B1B1B1: ED = frame 1, ES = frame 3; slice 1 of ES starts at voxel (0, 0) = 3000 + 100 + 1.
    expect(b.slices[3].image.subarray(0, 4)).toEqual(new Uint8Array(new Float32Array([3101]).buffer));
    expect(b.volumes.map((v) => [v.phase, v.sourceFile, v.frame])).toEqual([
      ['ED', 'B1B1B1/B1B1B1_sa.nii.gz', 1],
      ['ES', 'B1B1B1/B1B1B1_sa.nii.gz', 3],
    ]);
    const file = readNiftiGeometry(fs.readFileSync(path.join(root, 'scans', 'B1B1B1', 'B1B1B1_sa.nii.gz')));
    // jsonb keeps 15 significant digits, enough for the NIfTI-1 header's float32 fields to come
    // back to the same float32 (9 digits suffice), so the header is written back bit for bit.
    const asFloat32 = (g: unknown) =>
      JSON.parse(JSON.stringify(g), (_k, v: unknown) => (typeof v === 'number' ? Math.fround(v) : v));
    expect(asFloat32(b.volumes[0].geometry)).toEqual(asFloat32(file));
    expect(b.volumes[1].geometry).toEqual(b.volumes[0].geometry);
    const q = await api.gql(
      'query($id: ID!) { dataset(id: $id) { source vendor generatorParams labelledSliceCount unlabelledSliceCount } slices(filter: { datasetId: $id }, first: 1) { nodes { labelled gt } } }',
      { id: datasetId },
    );
    expect(q.body.errors).toBeUndefined();
    expect(q.body.data.dataset).toEqual({
      source: 'MNMS',
      vendor: null,
      // M&Ms number the structures LV 1, MYO 2, RV 3: kept for writing results back.
      generatorParams: { importedFrom: expect.any(String), layout: 'MNMS', labels: { LV: 1, MYO: 2, RV: 3 } },
      labelledSliceCount: 0,
      unlabelledSliceCount: 8,
    });
    expect(q.body.data.slices.nodes).toEqual([{ labelled: false, gt: null }]);
  });

  test('an M&Ms folder whose CSV lacks a subject fails the run with the reason and stores nothing', async () => {
    const before = {
      datasets: await store.dataset.count(),
      subjects: await store.subject.count(),
      slices: await store.slice.count(),
      volumes: await store.volumeGeometry.count(),
    };
    const res = await api.gql(
      'mutation { importDataset(input: { name: "mnms-broken", path: "scans-no-row", layout: MNMS }) { id } }',
    );
    const run = await waitForRun(api.gql, res.body.data.importDataset.id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/info\.csv has no row for subject B1B1B1/);
    expect({
      datasets: await store.dataset.count(),
      subjects: await store.subject.count(),
      slices: await store.slice.count(),
      volumes: await store.volumeGeometry.count(),
    }).toEqual(before);
  });

  test('an evaluation of the unlabelled dataset is refused up front with LABELS_MISSING; nothing written', async () => {
    const before = await counts();
    const res = await evaluate();
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'LABELS_MISSING' });
    expect(res.body.errors?.[0].message).toMatch(/8 of 8 slices have no ground-truth label/);
    expect(await counts()).toEqual(before);
  });

  test('attachLabels: a label of the wrong shape refuses the whole folder (BAD_SHAPE, nothing written)', async () => {
    const before = await counts();
    const res = await attach('labels-bad');
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_SHAPE' });
    expect(res.body.errors?.[0].message).toMatch(/B1B1B1.*3 slices of 2×3, the stored phase has 2/);
    expect(await counts()).toEqual(before);
  });

  test('attachLabels attaches every label with its content hash and one audit event; a second time conflicts', async () => {
    const before = await counts();
    const res = await attach('labels');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.attachLabels).toMatchObject({ labelledSliceCount: 8, unlabelledSliceCount: 0 });
    expect(await counts()).toEqual({ ...before, sliceLabels: 8, audit: before.audit + 1 });
    const rows = await store.sliceLabel.findMany({ include: { slice: true } });
    expect(rows.every((r) => r.source === 'ATTACHED')).toBe(true);
    for (const r of rows) {
      // RV (class 1) at x = 0 (row 0 of rows = x), MYO (class 2) at x = 1: row-major [1, 1, 1, 2, 2, 2].
      expect(Array.from(r.label)).toEqual([1, 1, 1, 2, 2, 2]);
      const hash = crypto
        .createHash('sha256')
        .update(`2x3@1.25,1.5\n`)
        .update(r.slice.image)
        .update(Uint8Array.of(1, 1, 1, 2, 2, 2))
        .digest('hex');
      expect(r.contentHash).toBe(hash);
    }
    const event = await store.auditEvent.findFirstOrThrow({ where: { action: 'dataset.labels-attached' } });
    expect(JSON.parse(event.details)).toMatchObject({ layout: 'MNMS', slices: 8, subjects: 2 });
    const gt = await api.gql(
      'query($id: ID!) { slices(filter: { datasetId: $id }, first: 1) { nodes { labelled gt } } }',
      {
        id: datasetId,
      },
    );
    expect(gt.body.data.slices.nodes[0].labelled).toBe(true);
    expect(gt.body.data.slices.nodes[0].gt).toMatch(/^data:image\/png;base64,/);

    const again = await counts();
    const conflict = await attach('labels');
    expect(conflict.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'LABEL_CONFLICT' });
    expect(await counts()).toEqual(again);
  });

  test('with the labels attached the evaluation launches', async () => {
    const res = await evaluate();
    expect(res.body.errors).toBeUndefined();
    const evaluation = await store.evaluation.findFirstOrThrow({ where: { runId: res.body.data.startEvaluation.id } });
    expect(evaluation.datasetId).toBe(datasetId);
    // The seeded training run has no weights: stop the run rather than let its shards fail.
    await api.gql('mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: res.body.data.startEvaluation.id });
  });
});
