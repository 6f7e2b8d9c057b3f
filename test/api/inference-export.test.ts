/**
 * An inference's results out (docs/design.md "Exporting results", "Review" → "Checking the
 * promise"), through the real HTTP server and the real `cardiac-uq export`: downloads need the same
 * API key as /graphql; NIfTI volumes carry the input's header and the voxels where the input had
 * them; the QC flags as JSON and CSV; the policy's promise counted over the labelled slices.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNifti, readNiftiGeometry } from '../../src/engine/io/nifti';
import { createApiKey } from '../../src/server/auth';
import { acceptReview } from '../../src/services/reviews';
import { handMadeNifti } from '../fixtures/hand-nifti';
import { geometryHex, setObliqueGeometry } from '../engine/io/geometry-bytes';
import { seedInference, type InferenceFixture } from '../support/inference-fixture';
import { usePlatform } from '../support/platform';

const fixture = usePlatform('api');
let key: string;
let inf: InferenceFixture;

// 4 × 5 slices, 2 per phase. Mean label map: pixel i has class [0, 0, 2, 3][i % 4] (MYO, LV; no RV).
const mean = () => new Uint8Array(20).map((_, i) => [0, 0, 2, 3][i % 4]);
// The ED file's header: oblique, 4 × 5 × 2; ES has none stored.
const edInput = setObliqueGeometry(
  handMadeNifti({ dims: [4, 5, 2], pixdim: [1.5, 1.25, 9], datatype: 4, bitpix: 16, values: [] }),
  [1.5, 1.25, 9],
);

beforeAll(async () => {
  inf = await seedInference(fixture.store, {
    phases: ['ED', 'ES'],
    slices: 2,
    mean,
    // ED: ground truth = the mean (not poor); ES z = 0: empty ground truth (LV and MYO poor); ES z = 1: none.
    label: ({ phase, z }) => (phase === 'ED' ? mean() : z === 0 ? new Uint8Array(20) : null),
    flagged: ({ phase, z }) => phase === 'ED' && z === 1,
    ruleStructures: ['LV'],
    geometry: (phase) => (phase === 'ED' ? { geometry: readNiftiGeometry(edInput), frame: null } : null),
    // The M&Ms numbering, as its import records it: LV 1, MYO 2, RV 3.
    labels: { LV: 1, MYO: 2, RV: 3 },
  });
  key = (await createApiKey(fixture.store, { name: 'analyst-x', role: 'ANALYST', actor: 'test' })).key;
});

const url = (p: string) => new URL(p, fixture.api.graphqlUrl).toString();
const get = (p: string, withKey = true) =>
  fetch(url(p), { headers: withKey ? { authorization: `Bearer ${key}` } : {} });
const gql = async (query: string, variables: Record<string, unknown>) =>
  (await (
    await fetch(fixture.api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    })
  ).json()) as { data?: any; errors?: unknown[] };

describe('downloads', () => {
  const base = () => `/files/inference/${inf.inferenceId}/subject/${inf.subjectIds[0]}`;

  it('need an API key like /graphql, and name what is missing', async () => {
    const none = await get(`${base()}/ED/seg.nii.gz`, false);
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    for (const p of [
      `${base()}/ED/seg.png`,
      `${base()}/XX/seg.nii.gz`,
      `/files/inference/${inf.inferenceId}/subject/${inf.inferenceId}/ED/qc.json`,
    ]) {
      const res = await get(p);
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
    }
  });

  it('give the segmentation in the input header with the voxels where the input had them', async () => {
    const res = await get(`${base()}/ED/seg.nii.gz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="patient101_ED_seg.nii.gz"');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(geometryHex(bytes)).toEqual(geometryHex(edInput));
    const vol = readNifti(bytes);
    expect(vol.dims).toEqual([4, 5, 2]);
    // Voxel (x, y, z) at x + 4·(y + 5·z) holds map pixel x·5 + y: class [0, 0, 2, 3][(5x + y) % 4],
    // written in the dataset's values: MYO (class 2) 2, LV (class 3) 1.
    for (let z = 0; z < 2; z++)
      for (let y = 0; y < 5; y++)
        for (let x = 0; x < 4; x++) expect(vol.data[x + 4 * (y + 5 * z)]).toBe([0, 0, 2, 1][(5 * x + y) % 4]);
    // Entropy as stored (quantised to 1/255 of ln 4): pixel i of slice z holds i / 100 + z / 10 nats.
    const entropy = readNifti(new Uint8Array(await (await get(`${base()}/ED/entropy.nii.gz`)).arrayBuffer()));
    expect(entropy.data[3 + 4 * (4 + 5 * 1)]).toBeCloseTo((3 * 5 + 4) / 100 + 0.1, 2);
  });

  it('give the per-slice flags as CSV and JSON; without a stored header JSON says so', async () => {
    const csv = await (await get(`${base()}/ED/qc.csv`)).text();
    expect(csv.split('\n')[0]).toBe(
      'z,phase,entropy,mi,LV_dice_within,LV_assd_within,MYO_dice_within,MYO_assd_within,RV_dice_within,RV_assd_within,flag,reasons',
    );
    expect(csv.split('\n').slice(1, 3)).toEqual([
      '0,ED,0.25,0.125,0.9,0.5,0.8,1.5,0.7,,false,',
      '1,ED,0.75,0.375,0.9,0.5,0.8,1.5,0.7,,true,LV:ENTROPY>=0.5',
    ]);
    const json = (await (await get(`${base()}/ES/qc.json`)).json()) as any;
    expect(json).toMatchObject({
      labels: { LV: 1, MYO: 2, RV: 3 },
      subject: 'patient101',
      phase: 'ES',
      flagged: 0,
      samples: 5,
      geometry: { source: 'slice spacing' },
    });
    expect(json.checkpoint_sha256).toMatch(/^[0-9a-f]{64}$/);
    const es = readNifti(new Uint8Array(await (await get(`${base()}/ES/mi.nii.gz`)).arrayBuffer()));
    expect(es.spacingMm).toEqual([1.5, 1.25, 1]);
  });

  it('are listed per subject and phase for the dashboard', async () => {
    const res = await gql(
      'query($id: ID!) { inferenceDownloads(inferenceId: $id) { externalId phase files { kind fileName path } } }',
      {
        id: inf.inferenceId,
      },
    );
    const stacks = res.data.inferenceDownloads;
    expect(stacks.map((s: any) => `${s.externalId} ${s.phase}`)).toEqual(['patient101 ED', 'patient101 ES']);
    expect(stacks[1].files.map((f: any) => f.fileName)).toEqual([
      'patient101_ES_seg.nii.gz',
      'patient101_ES_entropy.nii.gz',
      'patient101_ES_mi.nii.gz',
      'patient101_ES_qc.json',
      'patient101_ES_qc.csv',
    ]);
    expect((await get(stacks[1].files[3].path)).status).toBe(200);
  });
});

describe('cardiac-uq export', () => {
  it('writes every stack five files, the same bytes the API serves', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-export-'));
    const out = path.join(dir, 'out');
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        'node',
        [path.join(__dirname, '../../bin/cardiac-uq.js'), 'export', '--inference', inf.inferenceId, '--out', out],
        { env: { ...process.env, DATABASE_URL: fixture.db.url } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ subjects: 1, volumes: 2 });
    expect(fs.readdirSync(out).sort()).toEqual(
      ['ED', 'ES']
        .flatMap((p) =>
          ['seg.nii.gz', 'entropy.nii.gz', 'mi.nii.gz', 'qc.json', 'qc.csv'].map((k) => `patient101_${p}_${k}`),
        )
        .sort(),
    );
    const served = new Uint8Array(
      await (await get(`/files/inference/${inf.inferenceId}/subject/${inf.subjectIds[0]}/ED/seg.nii.gz`)).arrayBuffer(),
    );
    expect(new Uint8Array(fs.readFileSync(path.join(out, 'patient101_ED_seg.nii.gz')))).toEqual(served);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});

describe('promise check', () => {
  const CHECK = `query($id: ID!) { promiseCheck(inferenceId: $id) {
    slices labelled flagged poor reviewFraction poorLeft ruleStructures reviewFractionWithinInterval poorLeftWithinInterval
    structures { structure poor poorLeft } promised { reviewFraction poorLeft poorLeftHigh } } }`;

  it('counts over the labelled slices, reviewed ones included', async () => {
    // Labelled: ED 0 (fine), ED 1 (fine, flagged), ES 0 (LV and MYO poor, not flagged): 1/3 flagged, 1/3 poor left.
    const first = (await gql(CHECK, { id: inf.inferenceId })).data.promiseCheck;
    expect(first).toMatchObject({ slices: 4, labelled: 3, flagged: 1, poor: 1, ruleStructures: ['LV'] });
    expect(first.reviewFraction).toBeCloseTo(1 / 3, 12);
    expect(first.poorLeft).toBeCloseTo(1 / 3, 12);
    expect(first.structures.map((s: any) => [s.structure, s.poor])).toEqual([
      ['LV', 1],
      ['MYO', 1],
      ['RV', 0],
    ]);
    expect(first.promised).toEqual({ reviewFraction: 0.3, poorLeft: 0.1, poorLeftHigh: 0.15 });
    // Promised review fraction [0.2, 0.4] holds 1/3; poor left [0.05, 0.15] does not hold 1/3.
    expect(first).toMatchObject({ reviewFractionWithinInterval: true, poorLeftWithinInterval: false });
    // A reviewer accepts ES 1: its ground truth is the mean, not poor; 4 labelled, 1 flagged, 1 poor left.
    await acceptReview(
      { store: fixture.store, actor: 'r', codeVersion: 'test' },
      { inferenceId: inf.inferenceId, sliceId: inf.slices[3].sliceId },
    );
    const second = (await gql(CHECK, { id: inf.inferenceId })).data.promiseCheck;
    expect(second).toMatchObject({ labelled: 4, flagged: 1, reviewFraction: 0.25, poorLeft: 0.25 });
  });
});
