/**
 * Dashboard bench (prints figures; no assertions): each view's time to first complete render in
 * Chromium against a store the size of the quick study (test/support/synthetic-store.ts
 * seedSyntheticQuickStudy), API in this process (role api). Complete = the view says it has loaded
 * (#view[data-loaded=true]) and every chart on it carries its numbers. Target ≤ 1 s per view.
 * `npx tsx bench/dashboard.bench.ts` (machine Postgres at BENCH_PG_ADMIN_URL, default 127.0.0.1:5432).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { createStore } from '../src/db/client';
import { applyMigrations } from '../src/db/migrate';
import { CHROMIUM_ARGS, findChromium } from '../test/support/browser';
import { seedSyntheticQuickStudy } from '../test/support/synthetic-store';
import { startTestPlatform } from '../test/support/platform';

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const VIEWS = ['runs', 'study', 'compare', 'distortions', 'shift', 'slices', 'audit', 'lineage'];

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main() {
  const name = `cuq_dash_${crypto.randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-dash-bench-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-dash-chromium-'));
  try {
    await applyMigrations(url.toString());
    const store = createStore(url.toString());
    const t0 = performance.now();
    const study = await seedSyntheticQuickStudy(store);
    // Lineage opens on one segmentation: the first of the MCD-0.5 site-A evaluation.
    const { id: predictionId } = await store.prediction.findFirstOrThrow({
      where: { evaluationId: study.variants.find((v) => v.label === 'MCD-0.5')!.siteA },
      select: { id: true },
    });
    await store.$disconnect();
    console.log(
      `seeded ${study.evaluations.length} evaluations in ${((performance.now() - t0) / 1000).toFixed(1)} s; host ${os.cpus().length} cores`,
    );
    const api = await startTestPlatform(url.toString(), 'api', {
      CARDIAC_UQ_DATA_DIR: dataDir,
      CARDIAC_UQ_RATE_LIMIT: '0',
    });
    const base = api.graphqlUrl.replace(/\/graphql$/, '');
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: (await findChromium()).executablePath,
      viewport: { width: 1400, height: 1000 },
      args: CHROMIUM_ARGS,
    });
    try {
      for (const round of ['cold', 'warm']) {
        for (const view of VIEWS) {
          const page = await context.newPage();
          const start = performance.now();
          await page.goto(`${base}/#/${view}${view === 'lineage' ? `?prediction=${predictionId}` : ''}`);
          await page.waitForSelector('#view[data-loaded=true]', { timeout: 60000 });
          await page.waitForFunction(
            () =>
              Array.from(document.querySelectorAll('.chart')).every((c) => (c as HTMLElement).dataset.ready === 'true'),
            undefined,
            { timeout: 60000 },
          );
          const ms = performance.now() - start;
          const error = await page.$eval('#status', (el) => (el.classList.contains('error') ? el.textContent : ''));
          console.log(
            `${round} ${view.padEnd(12)} ${ms.toFixed(0).padStart(6)} ms${ms > 1000 ? '  (over the 1 s target)' : ''}${error ? `  ERROR ${error}` : ''}`,
          );
          await page.close();
        }
      }
    } finally {
      await context.close();
      await api.platform.close();
    }
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const dir of [dataDir, profile]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
