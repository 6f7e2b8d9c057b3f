/**
 * The Triage view in a real browser (Chromium via playwright-core) against the real API server and
 * Postgres holding a finished inference with a policy (test/support/inference-fixture.ts): flagged
 * slices are listed first, accepting one records a review, the download links answer with NIfTI,
 * uploading a file stages it through POST /uploads and queues its import, and starting an
 * inference queues one with the model, dataset, T and policy chosen. No console error and no
 * GraphQL error on the way. API role only: the queued runs are checked, not carried out (the
 * import itself: test/server/uploads.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { handMadeNifti } from '../fixtures/hand-nifti';
import { CHROMIUM_ARGS, findChromium } from '../support/browser';
import { seedInference, type InferenceFixture } from '../support/inference-fixture';
import { usePlatform } from '../support/platform';

const SHOTS = path.resolve(__dirname, '../../test-artifacts/screenshots');
const fixture = usePlatform('api', { CARDIAC_UQ_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-triage-')) });

describe('Triage view in Chromium', () => {
  let inf: InferenceFixture;
  let context: BrowserContext;
  let baseUrl: string;
  let profileDir: string;
  const consoleErrors: string[] = [];
  const graphqlErrors: string[] = [];
  // 4 × 5 slices; the mean label map: pixel i has class [0, 1, 2, 3][i % 4].
  const mean = () => new Uint8Array(20).map((_, i) => i % 4);

  async function open(hash: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${hash}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${hash}: ${e.message}`));
    page.on('response', async (r) => {
      if (!r.url().endsWith('/graphql')) return;
      const body = await r.json().catch(() => null);
      if (!body || body.errors) graphqlErrors.push(`${hash}: ${JSON.stringify(body?.errors ?? r.status())}`);
    });
    await page.goto(`${baseUrl}/${hash}`);
    await page.waitForSelector('#view[data-loaded=true]');
    return page;
  }

  beforeAll(async () => {
    // Three subjects × ED × 3 slices; flagged: subject 1's z = 1 and subject 0's z = 2; subject 0's z = 0 is labelled.
    inf = await seedInference(fixture.store, {
      subjects: 3,
      phases: ['ED'],
      slices: 3,
      mean,
      label: ({ subject, z }) => (subject === 0 && z === 0 ? mean() : null),
      flagged: ({ subject, z }) => (subject === 1 && z === 1) || (subject === 0 && z === 2),
    });
    fs.mkdirSync(SHOTS, { recursive: true });
    baseUrl = fixture.api.graphqlUrl.replace(/\/graphql$/, '');
    profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-chromium-'));
    const { executablePath } = await findChromium();
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      viewport: { width: 1400, height: 1000 },
      args: CHROMIUM_ARGS,
    });
    context.setDefaultTimeout(20000);
  }, 120000);

  afterAll(async () => {
    await context?.close();
    fs.rmSync(fixture.api.config.dataDir, { recursive: true, force: true });
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const page of context?.pages() ?? []) await page.close();
    expect(consoleErrors).toEqual([]);
    expect(graphqlErrors).toEqual([]);
  });

  test('flagged slices first; accepting one records the review; downloads answer', async () => {
    const page = await open(`#/triage?inference=${inf.inferenceId}`);
    await page.waitForSelector('#triage-slices tbody tr');
    const flags = await page.$$eval('#triage-slices tbody tr', (rows) =>
      rows.map((r) => r.getAttribute('data-flagged')),
    );
    expect(flags).toEqual(['true', 'true', ...Array(7).fill('false')]);
    const flaggedIds = inf.slices.filter((s) => (s.subject === 1 && s.z === 1) || (s.subject === 0 && s.z === 2));
    const shownFlagged = await page.$$eval('#triage-slices tbody tr[data-flagged=true]', (rows) =>
      rows.map((r) => r.getAttribute('data-slice-id')),
    );
    expect(shownFlagged.sort()).toEqual(flaggedIds.map((s) => s.sliceId).sort());
    expect(await page.textContent('#triage-summary')).toMatch(/2 slices flagged/);
    // The labelled slice offers no decision.
    const labelled = inf.slices.find((s) => s.label)!;
    expect(await page.textContent(`tr[data-slice-id="${labelled.sliceId}"] .ground-truth`)).toBe('IMPORTED');
    expect(await page.$(`tr[data-slice-id="${labelled.sliceId}"] button:text("Accept")`)).toBeNull();

    const first = shownFlagged[0]!;
    // Its image with the mean segmentation, entropy and MI maps: PNGs of the slice's 4 × 5 pixels.
    await page.click(`tr[data-slice-id="${first}"] button:text("Show")`);
    await page.waitForSelector(`#triage-viewer[data-slice-id="${first}"] img`);
    const sizes = await page.$$eval('#triage-viewer img', (imgs) =>
      Promise.all(
        imgs.map((img) =>
          (img as HTMLImageElement)
            .decode()
            .then(() => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]),
        ),
      ),
    );
    expect(sizes).toEqual(Array(4).fill([5, 4]));
    await page.click(`tr[data-slice-id="${first}"] button:text("Accept")`);
    await page.waitForSelector(`tr[data-slice-id="${first}"] .ground-truth:text("REVIEW_ACCEPTED")`);
    const reviews = await fixture.store.review.findMany({ where: { inferenceId: inf.inferenceId } });
    expect(reviews.map((r) => [r.sliceId, r.decision])).toEqual([[first, 'ACCEPT']]);

    await page.screenshot({ path: path.join(SHOTS, 'triage.png'), fullPage: true });
    // A corrected label for the third subject: one ED volume of rows × cols × slices in label values.
    const third = inf.subjectIds[2];
    await page.click(`#triage-subjects tr[data-subject-id="${third}"] button:text("Correct…")`);
    const label = handMadeNifti({
      dims: [4, 5, 3],
      pixdim: [1.5, 1.25, 10],
      datatype: 2,
      bitpix: 8,
      values: Array.from({ length: 60 }, (_, i) => i % 4),
    });
    await page.setInputFiles(`#triage-subjects tr[data-subject-id="${third}"] input[name=ED]`, [
      { name: 'patient103_gt.nii', mimeType: 'application/octet-stream', buffer: Buffer.from(label) },
    ]);
    await page.click(`#triage-subjects tr[data-subject-id="${third}"] button:text("Upload correction")`);
    const corrected = inf.slices.filter((s) => s.subject === 2).map((s) => s.sliceId);
    await page.waitForSelector(`tr[data-slice-id="${corrected[0]}"] .ground-truth:text("REVIEW_CORRECTED")`);
    const decisions = await fixture.store.review.findMany({
      where: { inferenceId: inf.inferenceId },
      orderBy: { createdAt: 'asc' },
    });
    expect(decisions.map((r) => [r.sliceId ?? r.subjectId, r.decision])).toEqual([
      [first, 'ACCEPT'],
      [third, 'CORRECT'],
    ]);

    const href = await page.getAttribute('#triage-subjects a[download$="seg.nii.gz"]', 'href');
    expect(href).toMatch(new RegExp(`^/files/inference/${inf.inferenceId}/subject/`));
    const status = await page.evaluate(async (url) => (await fetch(url)).status, href!);
    expect(status).toBe(200);
  });

  test('uploading a file stages it and queues its import; starting an inference queues one', async () => {
    const page = await open('#/triage');
    const nifti = Buffer.from(
      gzipSync(
        handMadeNifti({
          dims: [4, 5, 2],
          pixdim: [1.5, 1.25, 9],
          datatype: 16,
          bitpix: 32,
          values: Array.from({ length: 40 }, (_, i) => i),
        }),
      ),
    );
    await page.setInputFiles('#upload-form input[type=file]', [
      { name: 'scan001.nii.gz', mimeType: 'application/gzip', buffer: nifti },
    ]);
    await page.fill('#upload-form input[name=name]', 'uploaded-in-browser');
    await page.click('#upload-form button[type=submit]');
    await page.waitForSelector('#upload-status:text("Importing 1 file as")');
    const run = await fixture.store.run.findFirstOrThrow({
      where: { kind: 'DATASET', config: { path: ['name'], equals: 'uploaded-in-browser' } },
    });
    expect(run.status).toBe('QUEUED');
    const folder = (run.config as { folder: string }).folder;
    expect(fs.readdirSync(folder)).toEqual(['scan001.nii.gz']);
    expect(fs.readFileSync(path.join(folder, 'scan001.nii.gz')).equals(nifti)).toBe(true);

    await page.selectOption('#infer-form select[name=datasetId]', inf.datasetId);
    await page.fill('#infer-form input[name=samples]', '4');
    // Choosing the policy sets T to the one its thresholds were chosen at.
    await page.selectOption('#infer-form select[name=policyId]', inf.policyId!);
    const policyT = (
      await fixture.store.policy.findUniqueOrThrow({ where: { id: inf.policyId! }, include: { evaluation: true } })
    ).evaluation.samples;
    expect(await page.inputValue('#infer-form input[name=samples]')).toBe(String(policyT));
    await page.click('#infer-form button[type=submit]');
    await page.waitForSelector('#infer-status:text("started")');
    const made = await fixture.store.inference.findMany({
      where: { id: { not: inf.inferenceId } },
      include: { run: true },
    });
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ datasetId: inf.datasetId, policyId: inf.policyId, samples: policyT });
    expect(made[0].run.status).toBe('QUEUED');
  });
});
