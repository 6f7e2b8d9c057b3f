/**
 * Browser discovery (test/support/browser.ts): `npm ci` alone must provide a Chromium (the dev
 * dependency @sparticuz/chromium), so the dashboard tests pass on a machine without a system one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../support/browser';

test('with no override and nothing on PATH, the Chromium shipped by the npm package is used, and it runs headless', async () => {
  const found = await findChromium({ PATH: '' });
  expect(found.source).toBe('@sparticuz/chromium');
  expect(found.executablePath).toContain(path.join('node_modules', '.cache', 'cardiac-uq'));
  const browser = await chromium.launch({ executablePath: found.executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent('<canvas width="4" height="4"></canvas>');
    const alpha = await page.$eval('canvas', (c) => {
      const g = (c as HTMLCanvasElement).getContext('2d')!;
      g.fillRect(0, 0, 4, 4);
      return g.getImageData(1, 1, 1, 1).data[3];
    });
    expect(alpha).toBe(255);
  } finally {
    await browser.close();
  }
});

test('CARDIAC_UQ_CHROMIUM comes first, and a missing one is an error rather than a silent fallback', async () => {
  const fake = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-chr-')), 'my-chrome');
  fs.writeFileSync(fake, '', { mode: 0o755 });
  expect(await findChromium({ CARDIAC_UQ_CHROMIUM: fake })).toEqual({
    executablePath: fake,
    source: 'CARDIAC_UQ_CHROMIUM',
  });
  await expect(findChromium({ CARDIAC_UQ_CHROMIUM: `${fake}-gone` })).rejects.toThrow(/does not exist/);
});
