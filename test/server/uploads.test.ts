/**
 * POST /uploads and importUpload (docs/design.md "Uploads") through the real HTTP server, the real
 * worker and Postgres: the CSRF header and content type are required, the size bound answers 413
 * (before reading, and mid-stream) and leaves no file behind, a file that is not NIfTI is refused,
 * a broken NIfTI fails its import with the importer's error and writes no dataset, and uploaded
 * files make the dataset that importing the same files from a folder makes (same content hash).
 * API keys: none → 401, analyst → 403, operator → accepted.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { createApiKey } from '../../src/server/auth';
import { sweepUploads } from '../../src/services/uploads';
import { handMadeNifti } from '../fixtures/hand-nifti';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

const MAX_BYTES = 65_536;
const IMPORT_UPLOAD =
  'mutation($n: String!, $ids: [ID!]!) { importUpload(input: { name: $n, uploadIds: $ids }) { id } }';

describe('uploads', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let dataDir: string;
  let root: string;
  let base: string;
  /** patient001 ED with its label, ES without one (labels are optional). */
  let pairs: Record<string, Uint8Array>;

  const staged = () => {
    const dir = path.join(dataDir, 'uploads', 'files');
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };
  const post = (name: string, body: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${base}/uploads?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'x-cardiac-uq-upload': '1', 'content-type': 'application/octet-stream', ...headers },
      body: new Uint8Array(body),
    });
  const codeOf = async (res: Response) =>
    ((await res.json()) as { errors: [{ extensions: { code: string } }] }).errors[0].extensions.code;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-upload-data-'));
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-upload-root-'));
    // 8 × 6 × 3 volumes made byte by byte (test/fixtures/hand-nifti.ts), gzipped.
    const volume = (datatype: number, bitpix: number, value: (i: number) => number) =>
      gzipSync(
        handMadeNifti({
          dims: [8, 6, 3],
          pixdim: [1.5, 1.25, 10],
          datatype,
          bitpix,
          values: Array.from({ length: 144 }, (_, i) => value(i)),
        }),
      );
    pairs = {
      'patient001_frame01.nii.gz': volume(16, 32, (i) => i / 7),
      'patient001_frame01_gt.nii.gz': volume(2, 8, (i) => i % 4),
      'patient001_frame09.nii.gz': volume(16, 32, (i) => 100 - i / 3),
    };
    fs.mkdirSync(path.join(root, 'pairs'));
    for (const [name, bytes] of Object.entries(pairs)) fs.writeFileSync(path.join(root, 'pairs', name), bytes);
    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    api = await startTestPlatform(db.url, 'all', {
      CARDIAC_UQ_DATA_DIR: dataDir,
      CARDIAC_UQ_IMPORT_ROOT: root,
      CARDIAC_UQ_MAX_UPLOAD_BYTES: String(MAX_BYTES),
      CARDIAC_UQ_BACKEND: 'cpu',
    });
    base = api.graphqlUrl.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    for (const dir of [dataDir, root]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the test files fit the limit', () => {
    for (const bytes of Object.values(pairs)) expect(bytes.length).toBeLessThan(MAX_BYTES);
  });

  test('a request a cross-site form could make is refused and writes nothing', async () => {
    const file = pairs['patient001_frame01.nii.gz'];
    // A form post: multipart (or urlencoded, text/plain), no custom header.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file)]), 'patient001_frame01.nii.gz');
    let res = await fetch(`${base}/uploads?name=patient001_frame01.nii.gz`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('PREFLIGHT_REQUIRED');
    res = await post('patient001_frame01.nii.gz', file, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    res = await post('patient001_frame01.nii.gz', file, { 'x-cardiac-uq-upload': '' });
    expect(res.status).toBe(400);
    // Open mode answers only the server's own pages.
    res = await post('patient001_frame01.nii.gz', file, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('UNTRUSTED_ORIGIN');
    for (const name of [
      '../x.nii.gz',
      'x.txt',
      'sub/x.nii',
      '',
      'a\\b.nii.gz',
      'é.nii.gz',
      'x\u2215y.nii.gz',
      'x.nii.gz\0.png',
      '.nii.gz',
      'x.nii.gz.part',
    ]) {
      res = await post(name, file);
      expect(res.status).toBe(400);
    }
    expect(staged()).toEqual([]);
  });

  test('a file over the limit is refused 413, declared or mid-stream, and nothing is left', async () => {
    const big = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(MAX_BYTES)]);
    const declared = await post('big.nii.gz', big);
    expect(declared.status).toBe(413);
    // Chunked, no Content-Length: the server counts as it writes and cuts the body off.
    const streamed = await new Promise<{ status: number; code: string }>((resolve, reject) => {
      const req = http.request(`${base}/uploads?name=big.nii.gz`, {
        method: 'POST',
        headers: { 'x-cardiac-uq-upload': '1', 'content-type': 'application/octet-stream' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(text).errors[0].extensions.code }));
      });
      req.on('error', reject);
      let sent = 0;
      const more = () => {
        while (sent <= 2 * MAX_BYTES && !req.destroyed) {
          sent += 16_384;
          if (
            !req.write(
              sent === 16_384 ? Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(16_382)]) : Buffer.alloc(16_384),
            )
          )
            return void req.once('drain', more);
        }
        req.end();
      };
      more();
    });
    expect(streamed).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(staged()).toEqual([]);
  });

  test('a file that does not start as NIfTI is refused; a broken NIfTI fails its import and writes no dataset', async () => {
    const notGzip = await post('patient009.nii.gz', Buffer.from('not a nifti file at all'));
    expect(notGzip.status).toBe(400);
    expect(await codeOf(notGzip)).toBe('BAD_FORMAT');
    const notNii = await post('patient009.nii', Buffer.alloc(400));
    expect(notNii.status).toBe(400);
    expect(staged()).toEqual([]);

    // Gzip, but cut short: only the importer can tell.
    const truncated = await post('patient009.nii.gz', Buffer.from(pairs['patient001_frame01.nii.gz'].subarray(0, 60)));
    expect(truncated.status).toBe(201);
    const { id } = (await truncated.json()) as { id: string };
    const datasets = await store.dataset.count();
    const res = await api.gql(IMPORT_UPLOAD, { n: 'broken-upload', ids: [id] });
    expect(res.body.errors).toBeUndefined();
    const run = await waitForRun(api.gql, res.body.data.importUpload.id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/patient009\.nii\.gz/);
    expect(await store.dataset.count()).toBe(datasets);
    // The staged file went to the import; once the run is over the sweep removes its folder.
    expect(staged()).toEqual([]);
    expect(await sweepUploads(store, path.join(dataDir, 'uploads'), 3600)).toEqual({ uploads: 0, imports: 1 });
    expect(fs.readdirSync(path.join(dataDir, 'uploads', 'imports'))).toEqual([]);
  });

  test('uploaded files make the dataset their folder makes; bad references are refused and keep the files', async () => {
    const ids: string[] = [];
    for (const [name, bytes] of Object.entries(pairs)) {
      const res = await post(name, bytes);
      expect(res.status).toBe(201);
      const body = (await res.json()) as { id: string; name: string; bytes: number };
      expect(body).toMatchObject({ name, bytes: bytes.length });
      ids.push(body.id);
    }
    // A label without its image, an unknown id: refused before anything is queued, files kept.
    const runs = await store.run.count();
    const orphan = await api.gql(IMPORT_UPLOAD, { n: 'orphan', ids: [ids[1]] });
    expect(orphan.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await api.gql(IMPORT_UPLOAD, {
      n: 'unknown',
      ids: [ids[0], '00000000-0000-4000-8000-000000000000'],
    });
    expect(unknown.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await store.run.count()).toBe(runs);
    expect(staged().sort()).toEqual([...ids].sort());

    const uploaded = await api.gql(IMPORT_UPLOAD, { n: 'uploaded', ids });
    expect(uploaded.body.errors).toBeUndefined();
    const folder = await api.gql(
      'mutation { importDataset(input: { name: "from-folder", path: "pairs", layout: NIFTI_PAIRS }) { id } }',
    );
    const [a, b] = await Promise.all([
      waitForRun(api.gql, uploaded.body.data.importUpload.id),
      waitForRun(api.gql, folder.body.data.importDataset.id),
    ]);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [fromUpload, fromFolder] = await Promise.all(
      [a.datasetId, b.datasetId].map((id) =>
        store.dataset.findUniqueOrThrow({ where: { id }, include: { subjects: { include: { slices: true } } } }),
      ),
    );
    expect(fromUpload.contentHash).toBe(fromFolder.contentHash);
    expect(fromUpload.subjects.map((s) => s.externalId).sort()).toEqual(['patient001_frame01', 'patient001_frame09']);
    const slices = fromUpload.subjects.flatMap((s) => s.slices);
    // Two 3-slice volumes; only frame01's has a label file.
    expect(slices).toHaveLength(6);
    const labelled = fromUpload.subjects.find((s) => s.externalId === 'patient001_frame01')!.slices;
    expect(labelled.map((s) => s.label !== null)).toEqual([true, true, true]);
    expect(slices.filter((s) => s.label === null)).toHaveLength(3);
    // Each upload is used once.
    expect(staged()).toEqual([]);
    const again = await api.gql(IMPORT_UPLOAD, { n: 'again', ids: [ids[0]] });
    expect(again.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    // The import is over: its folder goes at the next sweep.
    expect(await sweepUploads(store, path.join(dataDir, 'uploads'), 3600)).toEqual({ uploads: 0, imports: 1 });
  });

  test('with API keys: none → 401, analyst → 403, operator → 201', async () => {
    const analyst = (await createApiKey(store, { name: 'upload-analyst', role: 'ANALYST', actor: 'test' })).key;
    const operator = (await createApiKey(store, { name: 'upload-operator', role: 'OPERATOR', actor: 'test' })).key;
    await new Promise((resolve) => setTimeout(resolve, 2100)); // the gate's cache of "no keys yet"
    const file = pairs['patient001_frame09.nii.gz'];
    expect((await post('k.nii.gz', file)).status).toBe(401);
    expect((await post('k.nii.gz', file, { authorization: `Bearer ${analyst}` })).status).toBe(403);
    expect(staged()).toEqual([]);
    const res = await post('k.nii.gz', file, { authorization: `Bearer ${operator}` });
    expect(res.status).toBe(201);
    // Nobody imports it: after the TTL the sweep removes it.
    expect(await sweepUploads(store, path.join(dataDir, 'uploads'), 3600, Date.now() + 3601_000)).toEqual({
      uploads: 1,
      imports: 0,
    });
    expect(staged()).toEqual([]);
  });
});
