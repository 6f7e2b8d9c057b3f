/**
 * The dashboard in a real browser (Chromium found by test/support/browser.ts, driven by playwright-core) against the real
 * platform and a real Postgres holding a store the size of the quick study (five variants, both
 * sites, every distortion level, a sweep still running; test/support/synthetic-store.ts, bulk SQL).
 * Every chart's numbers (its `data-points`) are checked against the same GraphQL query made here, and
 * every GraphQL answer the page received is checked for errors. Screenshots go to test-artifacts/screenshots/.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../support/browser';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { seedSyntheticQuickStudy, type SyntheticQuickStudy } from '../support/synthetic-store';
import { createStore } from '../../src/db/client';

const SHOTS = path.resolve(__dirname, '../../test-artifacts/screenshots');
const VIEWS = [
  'runs',
  'study',
  'compare',
  'distortions',
  'shift',
  'slices',
  'audit',
  'lineage',
  'triage',
  'biomarkers',
];
const STRUCTURES = ['LV', 'MYO', 'RV'];

describe('dashboard in Chromium', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let study: SyntheticQuickStudy;
  let context: BrowserContext;
  let baseUrl: string;
  let dataDir: string;
  let profileDir: string;
  const consoleErrors: string[] = [];
  const graphqlErrors: string[] = [];
  const pendingChecks = new Set<Promise<void>>();

  const variant = (label: string) => study.variants.find((v) => v.label === label)!;
  const evalId = (label: 'PLAIN' | 'MCD-0.5', site: 'A' | 'B') =>
    site === 'A' ? variant(label).siteA : variant(label).siteB!;
  /** The study's default: every model's undistorted site-A TEST evaluation (the running PLAIN repeat's too). */
  const headline = () => [...study.variants, study.running].map((v) => v.siteA);

  async function gqlData(query: string, variables: Record<string, unknown> = {}) {
    const res = await api.gql(query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data;
  }

  /** Opens a view by its URL hash and waits until it has rendered (its data loaded). */
  async function open(hash: string, before?: (page: Page) => Promise<unknown>): Promise<Page> {
    const page = await context.newPage();
    await before?.(page);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${hash}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${hash}: ${e.message}`));
    page.on('requestfailed', (r) => consoleErrors.push(`${hash}: request failed ${r.url()}`));
    page.on('response', (r) => {
      if (!r.url().endsWith('/graphql')) return;
      const check = r
        .json()
        .catch(() => null)
        .then((body) => {
          // A poll answered while the test closes its page has no readable body: that is not an API error.
          if (!body && page.isClosed()) return;
          if (!body || body.errors) graphqlErrors.push(`${hash}: ${JSON.stringify(body?.errors ?? r.status())}`);
        });
      pendingChecks.add(check);
      void check.finally(() => pendingChecks.delete(check));
    });
    await page.goto(`${baseUrl}/${hash}`);
    await page.waitForSelector('#view[data-loaded=true]');
    return page;
  }

  /** After the page changed its own URL: waits until the view has rendered for that URL, not the one before. */
  async function routed(page: Page) {
    await page.waitForFunction(() => {
      const view = document.getElementById('view')!;
      return view.dataset.loaded === 'true' && view.dataset.hash === location.hash;
    });
  }

  async function points(page: Page, selector: string): Promise<any> {
    const el = await page.waitForSelector(`${selector}[data-ready=true]`);
    return JSON.parse((await el.getAttribute('data-points'))!);
  }

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    db = await createDatabase(testServers()[0]);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-dash-'));
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_DATA_DIR: dataDir, CARDIAC_UQ_BACKEND: 'wasm' });
    baseUrl = api.graphqlUrl.replace(/\/graphql$/, '');
    const store = createStore(db.url);
    study = await seedSyntheticQuickStudy(store);
    await store.$disconnect();
    profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-chromium-'));
    const { executablePath } = await findChromium();
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      viewport: { width: 1400, height: 1000 },
      args: CHROMIUM_ARGS,
    });
    context.setDefaultTimeout(20000);
  }, 300000);

  afterAll(async () => {
    await context?.close();
    await api?.platform.close();
    await db?.drop();
    for (const dir of [dataDir, profileDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(pendingChecks);
    for (const page of context?.pages() ?? []) await page.close();
    await Promise.all(pendingChecks);
    // Emptied here so that one test's error is reported by that test alone.
    expect(graphqlErrors.splice(0)).toEqual([]);
  });

  test('every view loads without console errors and says what it shows', async () => {
    const { __schema } = await gqlData('{ __schema { queryType { fields { name } } } }');
    const hasAudit = __schema.queryType.fields.some((f: { name: string }) => f.name === 'auditLog');
    for (const view of VIEWS) {
      const page = await open(`#/${view}`);
      expect(await page.getAttribute('nav a[aria-current=page]', 'data-view')).toBe(view);
      expect(await page.$eval('#status', (el) => el.classList.contains('error'))).toBe(false);
      expect(await page.textContent('#view h2')).toBeTruthy();
      if (view === 'audit') {
        if (hasAudit) {
          const { auditLog, auditVerification } = await gqlData(
            '{ auditLog { nodes { hash } } auditVerification { ok events } }',
          );
          expect(await page.$$eval('#audit-auditLog tbody tr', (rows) => rows.length)).toBe(auditLog.nodes.length);
          // The synthetic rows were written by no shard: the log may be empty.
          if (auditLog.nodes.length)
            expect(await page.textContent('#audit-auditLog tbody')).toContain(auditLog.nodes[0].hash);
          else expect(await page.textContent('#audit-auditLog')).toContain('No entries.');
          expect(await page.textContent('#audit-auditVerification')).toContain(String(auditVerification.events));
        } else expect(await page.textContent('#audit-unavailable')).toMatch(/not available on this server/);
      }
      await page.waitForTimeout(100);
      await shot(page, `view-${view}`);
      await page.close();
    }
    expect(consoleErrors).toEqual([]);
  });

  test('compare: the default selection (six models, over the alias limit as one query) with the API labels; reliability diagram and QC curves carry the API numbers', async () => {
    const ids = headline();
    const page = await open('#/compare');
    const { evaluations } = await gqlData('{ evaluations { id label } }');
    const labelOf = new Map(evaluations.map((e: { id: string; label: string }) => [e.id, e.label]));
    // Ticked by default: exactly the site-A TEST level-0 evaluation of every model, in groups.
    const ticked = await page.$$eval('#evaluation-picker input[type=checkbox]:checked', (els) =>
      els.map((el) => (el as HTMLInputElement).value),
    );
    expect(ticked.sort()).toEqual([...ids].sort());
    expect(await page.$$eval('#evaluation-picker details.group', (els) => els.length)).toBe(5 * 4 + 5); // five variants × (site A: undistorted, NOISE, BLUR, STRETCH) + site B undistorted
    const table = await page.textContent('#view table');
    for (const id of ids) expect(table).toContain(labelOf.get(id));
    expect(labelOf.get(variant('MCD-0.1').siteA)).toMatch(/^MCD-0\.1 · phantom-A-\w+ \(site A\) TEST · T=20$/);
    expect(labelOf.get(study.running.siteA)).toMatch(/^PLAIN seed 2 · /);
    // The filter narrows the picker to matching labels.
    await page.fill('#picker-filter', 'MCD-0.5 phantom-B');
    expect(
      await page.$$eval('#evaluation-picker label:not([hidden])', (els) => els.map((el) => el.textContent!.trim())),
    ).toEqual([labelOf.get(variant('MCD-0.5').siteB!)]);
    const { compare } = await gqlData(
      'query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId calibration { points { confidence accuracy count } } } }',
      { ids },
    );
    const reliability = await points(page, '#chart-reliability');
    expect(reliability.map((r: { evaluationId: string }) => r.evaluationId).sort()).toEqual([...ids].sort());
    for (const r of compare) {
      const expected = r.calibration.points
        .filter((p: any) => p.count > 0 && p.confidence !== null)
        .map((p: any) => [p.confidence, p.accuracy]);
      expect(expected.length).toBeGreaterThan(0);
      expect(reliability.find((x: { evaluationId: string }) => x.evaluationId === r.evaluationId).points).toEqual(
        expected,
      );
    }

    const curve = 'auc reviewAt(target: 0.05) points { flagged remaining }';
    for (const structure of STRUCTURES) {
      const drawn = await points(page, `#chart-qc-${structure}`);
      expect(drawn).toHaveLength(ids.length);
      for (const id of ids) {
        const { evaluation: e } = await gqlData(
          `query($id: ID!) { evaluation(id: $id) { qcCurve(structure: ${structure}, measure: ENTROPY) { ${curve} }
          baselines(structure: ${structure}) { random { ${curve} } slicePosition { ${curve} } } } }`,
          { id },
        );
        const xy = (c: any) => c.points.map((p: any) => [p.flagged, p.remaining]);
        expect(drawn.find((d: { evaluationId: string }) => d.evaluationId === id)).toEqual({
          evaluationId: id,
          curve: xy(e.qcCurve),
          random: xy(e.baselines.random),
          slicePosition: xy(e.baselines.slicePosition),
          auc: e.qcCurve.auc,
          reviewAt: e.qcCurve.reviewAt,
        });
      }
    }

    // The review-fraction slider asks the server again, redraws the target line and keeps it in the URL.
    const mcdA = evalId('MCD-0.5', 'A');
    await page.locator('#qc-target').fill('0.2');
    await page.waitForSelector('[aria-label="Quality control"][data-target="0.2"]');
    const { evaluation } = await gqlData(
      `query($id: ID!) { evaluation(id: $id) { qcCurve(structure: RV, measure: ENTROPY) { reviewAt(target: 0.2) } } }`,
      { id: mcdA },
    );
    expect(
      (await points(page, '#chart-qc-RV')).find((d: { evaluationId: string }) => d.evaluationId === mcdA).reviewAt,
    ).toBe(evaluation.qcCurve.reviewAt);
    expect(page.url()).toContain('target=0.2');
    await shot(page, 'compare-target-20pct');
    expect(consoleErrors).toEqual([]);
  });

  test('a filter changes the charts, lives in the URL and travels to the other views', async () => {
    const ids = [evalId('PLAIN', 'A'), evalId('PLAIN', 'B'), evalId('MCD-0.5', 'A'), evalId('MCD-0.5', 'B')];
    const allEvals = () => ids.join(',');
    const page = await open(`#/compare?evals=${allEvals()}`);
    const before = await points(page, '#chart-reliability');
    await page.selectOption('#filters select[name=site]', 'B');
    await page.waitForFunction(() => location.hash.includes('site=B'));
    await routed(page);
    const after = await points(page, '#chart-reliability');
    expect(after).not.toEqual(before);
    const { compare } = await gqlData(
      'query($ids: [ID!]!) { compare(evaluationIds: $ids, scope: { site: "B" }) { evaluationId calibration { points { confidence accuracy count } } } }',
      { ids },
    );
    for (const r of compare) {
      const expected = r.calibration.points
        .filter((p: any) => p.count > 0 && p.confidence !== null)
        .map((p: any) => [p.confidence, p.accuracy]);
      expect(after.find((x: { evaluationId: string }) => x.evaluationId === r.evaluationId).points).toEqual(expected);
    }
    // Site A's evaluations have no slice on site B: nothing drawn for them.
    expect(after.find((x: { evaluationId: string }) => x.evaluationId === evalId('PLAIN', 'A')).points).toEqual([]);
    await shot(page, 'compare-site-B');

    // The shared URL opens the same filtered view; the nav links carry the filter along.
    const shared = await open(`#/compare?evals=${allEvals()}&site=B`);
    expect(await shared.inputValue('#filters select[name=site]')).toBe('B');
    expect(await points(shared, '#chart-reliability')).toEqual(after);
    expect(await shared.getAttribute('nav a[data-view=slices]', 'href')).toBe('#/slices?site=B');

    // Slice position and split filters reach the QC curves (fewer slices in scope).
    const narrowed = await open(`#/compare?evals=${evalId('MCD-0.5', 'A')}&split=TEST&pmin=0.5`);
    const scoped = await gqlData(
      `query($id: ID!) { evaluation(id: $id) { all: qcCurve(structure: RV, measure: ENTROPY) { n } some: qcCurve(structure: RV, measure: ENTROPY, scope: { split: TEST, positionMin: 0.5 }) { n points { flagged remaining } } } }`,
      { id: evalId('MCD-0.5', 'A') },
    );
    expect(scoped.evaluation.some.n).toBeLessThan(scoped.evaluation.all.n);
    expect((await points(narrowed, '#chart-qc-RV'))[0].curve).toEqual(
      scoped.evaluation.some.points.map((p: any) => [p.flagged, p.remaining]),
    );
    expect(consoleErrors).toEqual([]);
  });

  test('distortions: box plots per kind and level match distortionSweep; a sweep still running says so and shows what finished', async () => {
    const expected = (sweep: any[], kind: string, metric: string, structure: string | null) =>
      sweep
        .filter(
          (p: any) =>
            ['NONE', kind].includes(p.kind) && p.metric === metric && p.structure === structure && p.distribution.n > 0,
        )
        .sort((a: any, b: any) => a.level - b.level)
        .map((p: any) => [
          p.level,
          p.distribution.min,
          p.distribution.q1,
          p.distribution.median,
          p.distribution.q3,
          p.distribution.max,
          p.distribution.n,
        ]);
    const query = `query($id: ID!) { distortionSweep(runId: $id) { kind level structure metric distribution { n min q1 median q3 max } } }`;
    const bbb = variant('BBB').sweepRunId;
    const page = await open(`#/distortions?sweep=${bbb}`);
    const { distortionSweep } = await gqlData(query, { id: bbb });
    for (const kind of ['NOISE', 'BLUR', 'STRETCH']) {
      const entropy = await points(page, `#chart-${kind}-entropy`);
      expect(entropy.map((p: number[]) => p[0])).toEqual([0, 1, 2, 3, 4]);
      expect(entropy).toEqual(expected(distortionSweep, kind, 'entropy', null));
      expect(await points(page, `#chart-${kind}-dice`)).toEqual(expected(distortionSweep, kind, 'dice', 'LV'));
    }
    expect(await page.$('#sweep-progress')).toBeNull();
    // Another measure from the toolbar redraws from the same query.
    await page.selectOption('select[name=unc]', 'mi');
    await page.waitForFunction(() => location.hash.includes('unc=mi'));
    await routed(page);
    expect(await points(page, '#chart-NOISE-mi')).toEqual(expected(distortionSweep, 'NOISE', 'mi', null));
    await shot(page, 'distortions-bbb');

    // The calibration and failure-detection panel: every cell is the API's number for that
    // evaluation (LV by entropy), and the NOISE risk–coverage chart draws the API's points.
    const four = (x: number | null) => (x === null ? '—' : x.toFixed(4));
    const sweepEvaluations = study.evaluations
      .filter((e) => e.trainingRunId === variant('BBB').trainingRunId && e.site === 'A')
      .sort(
        (a, b) => (a.kind === 'NONE' ? '' : a.kind).localeCompare(b.kind === 'NONE' ? '' : b.kind) || a.level - b.level,
      );
    const panel = await Promise.all(
      sweepEvaluations.map(async (e) => ({
        e,
        ...(
          await gqlData(
            `query($id: ID!) { evaluation(id: $id) { calibrationMeasures { ece mce classwiseEce adaptiveEce adaptiveEceErrorBound unavailable }
              failureDetection(structure: LV, measure: ENTROPY, maxPoints: 100) { auroc diceRisk { aurc eAurc augrc points { coverage risk } } poorRisk { aurc eAurc } } } }`,
            { id: e.id },
          )
        ).evaluation,
      })),
    );
    const cells = await page.$$eval('#failure-table tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('th, td'), (c) => c.textContent)),
    );
    expect(cells).toEqual(
      panel.map(({ e, calibrationMeasures: c, failureDetection: f }) => [
        e.kind,
        String(e.level),
        four(c.ece),
        four(c.mce),
        four(c.classwiseEce),
        `${four(c.adaptiveEce)} ± ${four(c.adaptiveEceErrorBound)}`,
        four(f.diceRisk.aurc),
        four(f.diceRisk.eAurc),
        four(f.diceRisk.augrc),
        four(f.poorRisk.aurc),
        four(f.poorRisk.eAurc),
        f.auroc === null ? '—' : f.auroc.toFixed(3),
      ]),
    );
    expect(
      panel.every(
        (r) => r.calibrationMeasures.unavailable === null && r.calibrationMeasures.adaptiveEceErrorBound === 0,
      ),
    ).toBe(true);
    expect(await page.$('#failure-unavailable')).toBeNull();
    expect(await points(page, '#chart-rc-NOISE')).toEqual(
      panel
        .filter((r) => ['NONE', 'NOISE'].includes(r.e.kind))
        .map((r) => [r.e.level, r.failureDetection.diceRisk.points.map((p: any) => [p.coverage, p.risk])]),
    );

    const running = await open(`#/distortions?sweep=${study.running.sweepRunId}`);
    expect(await running.textContent('#sweep-progress')).toBe(
      'This sweep is RUNNING: 2 of 13 evaluations finished; the charts show those.',
    );
    const partial = (await gqlData(query, { id: study.running.sweepRunId })).distortionSweep;
    expect((await points(running, '#chart-NOISE-entropy')).map((p: number[]) => p[0])).toEqual([0, 1]);
    expect(await points(running, '#chart-NOISE-entropy')).toEqual(expected(partial, 'NOISE', 'entropy', null));
    expect(await running.$('#chart-BLUR-entropy')).toBeNull();
    await shot(running, 'distortions-running');
    expect(consoleErrors).toEqual([]);
  });

  test('shift: site A against site B per model, as compare() gives them, named by the API label', async () => {
    const page = await open('#/shift?cal=nll');
    const ids = [...study.variants.flatMap((v) => [v.siteA, v.siteB!]), study.running.siteA];
    const ticked = await page.$$eval('#evaluation-picker input[type=checkbox]:checked', (els) =>
      els.map((el) => (el as HTMLInputElement).value),
    );
    expect(ticked.sort()).toEqual([...ids].sort());
    const { compare } = await gqlData(
      'query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId trainingRunId site calibration { nll } structures { structure dice } } }',
      { ids },
    );
    const model = new Map(
      [...study.variants, study.running].map((v) => [
        v.trainingRunId,
        v === study.running ? 'PLAIN seed 2' : v.label === 'PLAIN' ? 'PLAIN seed 1' : v.label,
      ]),
    );
    const drawn = await points(page, '#chart-shift-calibration');
    expect([...drawn.categories].sort()).toEqual([...model.values()].sort());
    expect(drawn.series.map((s: { site: string }) => s.site)).toEqual(['A', 'B']);
    const dice = await points(page, '#chart-shift-accuracy');
    for (const row of compare) {
      const at = drawn.categories.indexOf(model.get(row.trainingRunId));
      expect(drawn.series.find((s: { site: string }) => s.site === row.site).values[at]).toBe(row.calibration.nll);
      expect(dice.series.find((s: { site: string }) => s.site === row.site).values[at]).toBe(
        row.structures.find((s: { structure: string }) => s.structure === 'LV').dice,
      );
    }
    await shot(page, 'shift');
    expect(consoleErrors).toEqual([]);
  });

  test('biomarkers: per-subject intervals, the agreement table and the Bland–Altman chart carry the API numbers', async () => {
    const id = evalId('MCD-0.5', 'A');
    const { evaluation, biomarkerAgreement: agreement } = await gqlData(
      `query($id: ID!) { evaluation(id: $id) { biomarkers { externalId status values { biomarker value truth covered posterior { mean q025 q975 } } } }
        biomarkerAgreement(evaluationId: $id) { subjects leftOut biomarkers { biomarker n bias lower upper mae coverage covered coverageN } } }`,
      { id },
    );
    // Site A's test split: four subjects, every one with counts, spacing and truth.
    expect(evaluation.biomarkers.map((s: any) => s.status)).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect([agreement.subjects, agreement.leftOut]).toEqual([4, 0]);
    const of = (s: any, k: string) => s.values.find((v: any) => v.biomarker === k);
    const page = await open(`#/biomarkers?evaluation=${id}&phase=ED`);
    // The phase filter is not sent (biomarkers need whole stacks), and the page says so.
    expect(await page.textContent('#view')).toContain('phase and position filters do not apply');

    const intervals = await points(page, '#chart-biomarker-intervals');
    expect(intervals).toEqual({
      biomarker: 'LV_EF',
      subjects: evaluation.biomarkers.map((s: any) => {
        const v = of(s, 'LV_EF');
        return { subject: s.externalId, value: v.value, truth: v.truth, ...v.posterior };
      }),
    });
    // Bland–Altman: (mean, difference) per subject worked out here; bias = mean difference, and the
    // coverage the subjects' own intervals give.
    const ba = await points(page, '#chart-bland-altman');
    const lvEf = agreement.biomarkers.find((b: any) => b.biomarker === 'LV_EF');
    const diffs = evaluation.biomarkers.map((s: any) => of(s, 'LV_EF').value - of(s, 'LV_EF').truth);
    expect(ba.points.map((p: any) => p.subject)).toEqual(evaluation.biomarkers.map((s: any) => s.externalId));
    ba.points.forEach((p: any, i: number) => {
      const v = of(evaluation.biomarkers[i], 'LV_EF');
      expect(p.mean).toBeCloseTo((v.value + v.truth) / 2, 12);
      expect(p.diff).toBeCloseTo(diffs[i], 12);
    });
    expect([ba.bias, ba.lower, ba.upper]).toEqual([lvEf.bias, lvEf.lower, lvEf.upper]);
    expect(lvEf.bias).toBeCloseTo(diffs.reduce((a: number, b: number) => a + b, 0) / 4, 12);
    const covered = evaluation.biomarkers.filter((s: any) => {
      const v = of(s, 'LV_EF');
      return v.truth >= v.posterior.q025 && v.truth <= v.posterior.q975;
    }).length;
    expect([lvEf.covered, lvEf.coverageN]).toEqual([covered, 4]);
    const row = await page.$eval(
      '#biomarker-agreement tbody',
      (el) => Array.from(el.querySelectorAll('tr')).find((r) => r.textContent!.startsWith('LV EF'))!.textContent,
    );
    expect(row).toContain(`${(100 * lvEf.bias).toFixed(2)}`);
    expect(row).toContain(`(${covered} of 4)`);
    expect(await page.$$eval('#biomarker-subjects tbody tr', (rows) => rows.length)).toBe(4);
    await shot(page, 'biomarkers');

    // Another biomarker redraws both charts with its numbers.
    await page.selectOption('select[name=biomarker]', 'MYO_MASS_ED_G');
    await page.waitForFunction(() => location.hash.includes('biomarker=MYO_MASS_ED_G'));
    await routed(page);
    const mass = await points(page, '#chart-biomarker-intervals');
    expect(mass.subjects.map((r: any) => r.mean)).toEqual(
      evaluation.biomarkers.map((s: any) => of(s, 'MYO_MASS_ED_G').posterior.mean),
    );
    const massBa = await points(page, '#chart-bland-altman');
    expect(massBa.bias).toBe(agreement.biomarkers.find((b: any) => b.biomarker === 'MYO_MASS_ED_G').bias);
    expect(consoleErrors).toEqual([]);
  });

  test('slice viewer: most uncertain first, image with GT, prediction, entropy and MI overlays, samples, metrics, provenance', async () => {
    const id = evalId('MCD-0.5', 'A');
    const page = await open(`#/slices?eval=${id}&sort=ENTROPY&o_gt=0.5&o_entropy=0.5`);
    const { evaluation } = await gqlData(
      `query($id: ID!) { evaluation(id: $id) { predictions(first: 500, sortBy: ENTROPY) { totalCount nodes { id } } } }`,
      { id },
    );
    const listed = await page.$$eval('#slice-list [role=option]', (els) =>
      els.map((el) => el.getAttribute('data-prediction-id')),
    );
    expect(listed).toEqual(evaluation.predictions.nodes.map((n: { id: string }) => n.id).slice(0, 50));
    const first = evaluation.predictions.nodes[0].id;
    await page.waitForSelector(`#slice-detail[data-prediction-id="${first}"]`);
    const { prediction } = await gqlData(
      `query($id: ID!) { prediction(id: $id) { labelPng entropyPng miPng samplePngs slice { image gt } provenance { weightsSha256 sliceHash actor } } }`,
      { id: first },
    );

    const layers = await page.$$eval('#slice-stack img', (imgs) =>
      imgs.map((img) => {
        const i = img as HTMLImageElement;
        return {
          layer: i.dataset.layer,
          src: i.src,
          loaded: i.complete && i.naturalWidth > 0,
          opacity: getComputedStyle(i).opacity,
        };
      }),
    );
    expect(layers.map((l) => l.layer)).toEqual(['image', 'gt', 'prediction', 'entropy', 'mi']);
    expect(layers.map((l) => l.src)).toEqual([
      prediction.slice.image,
      prediction.slice.gt,
      prediction.labelPng,
      prediction.entropyPng,
      prediction.miPng,
    ]);
    expect(layers.every((l) => l.loaded)).toBe(true);
    expect(layers.map((l) => l.opacity)).toEqual(['1', '0.5', '0.6', '0.5', '0']);
    await page.locator('#opacity-mi').fill('0.75');
    expect(await page.$eval('#slice-stack img[data-layer=mi]', (img) => getComputedStyle(img).opacity)).toBe('0.75');
    expect(page.url()).toContain('o_mi=0.75');

    expect(prediction.samplePngs).toEqual([]);
    expect(await page.textContent('#samples-strip')).toMatch(/No samples stored/);
    expect(await page.$$eval('#slice-detail table tbody th', (ths) => ths.map((t) => t.textContent))).toEqual(
      STRUCTURES,
    );
    const provenance = await page.textContent('#provenance');
    for (const text of [
      ...prediction.provenance.weightsSha256,
      prediction.provenance.sliceHash,
      prediction.provenance.actor,
    ])
      expect(provenance).toContain(text);
    await shot(page, 'slice-viewer');
    expect(consoleErrors).toEqual([]);
  });

  test('keyboard: tab order reaches the views and the slice list; arrow keys, Home and End move through slices; focus is visible', async () => {
    const id = evalId('MCD-0.5', 'B');
    const page = await open(`#/slices?eval=${id}&sort=MI`);
    await page.waitForSelector('#slice-detail[data-prediction-id]');
    // Tab from the top of the page: newer Chromium (147) moves the sequential-focus starting point to
    // the option the list scrolled into view, older builds (Debian's) leave it at the document start.
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus({ preventScroll: true });
      document.body.removeAttribute('tabindex');
    });
    const order: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const label = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return el.id || el.getAttribute('name') || el.getAttribute('data-view') || el.textContent!.trim().slice(0, 20);
      });
      order.push(label);
      if (label === 'slice-list') break;
    }
    expect(order.slice(0, 9)).toEqual([
      'Skip to content',
      'runs',
      'study',
      'compare',
      'distortions',
      'shift',
      'slices',
      'audit',
      'lineage',
    ]);
    expect(order.indexOf('site')).toBeGreaterThan(order.indexOf('operator-key'));
    expect(order[order.length - 1]).toBe('slice-list');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');

    const selected = () =>
      page.$eval('#slice-list [aria-selected=true]', (el) => el.getAttribute('data-prediction-id'));
    const options = await page.$$eval('#slice-list [role=option]', (els) =>
      els.map((el) => el.getAttribute('data-prediction-id')),
    );
    expect(await selected()).toBe(options[0]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await selected()).toBe(options[2]);
    await page.waitForSelector(`#slice-detail[data-prediction-id="${options[2]}"]`);
    expect(page.url()).toContain(`slice=${options[2]}`);
    await page.keyboard.press('ArrowUp');
    expect(await selected()).toBe(options[1]);
    await page.keyboard.press('End');
    expect(await selected()).toBe(options[options.length - 1]);
    await page.keyboard.press('Home');
    expect(await selected()).toBe(options[0]);
    expect(await page.getAttribute('#slice-list', 'aria-activedescendant')).toBe(`opt-${options[0]}`);
    await shot(page, 'keyboard-slice-list');

    // A view link followed with Enter switches the view.
    await page.focus('nav a[data-view=compare]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash.startsWith('#/compare'));
    await routed(page);
    expect(await page.getAttribute('nav a[aria-current=page]', 'data-view')).toBe('compare');
    expect(consoleErrors).toEqual([]);
  });

  test('study: progress live by subscription (polled without WebSocket); headline tables carry the API numbers; the report command', async () => {
    const store = createStore(db.url);
    const setProgress = (data: Record<string, unknown>) => store.run.update({ where: { id: study.studyRunId }, data });
    try {
      await setProgress({ status: 'RUNNING', progress: 0.4, stage: 'training', etaSeconds: 600 });
      const page = await open(`#/study?study=${study.studyRunId}`);
      await page.waitForSelector('#study-progress[data-via=subscription][data-progress="0.4"]');
      // A worker's write reaches the open page through the subscription (it reads the run once a second).
      await setProgress({ progress: 0.75, stage: 'siteA' });
      await page.waitForSelector('#study-progress[data-via=subscription][data-progress="0.75"]');
      expect((await page.textContent('#study-progress'))!.trim()).toBe('RUNNING · 75% · siteA · ETA 10 min (live)');

      // The study's models: five variants and the second PLAIN training; site B for the five.
      const siteA = [...study.variants, study.running].map((v) => v.siteA);
      const siteB = study.variants.map((v) => v.siteB!);
      const { compare } = await gqlData(
        'query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId entropy mi structures { structure dice assd } calibration { ece nll brier } } }',
        { ids: [...siteA, ...siteB] },
      );
      const { evaluations } = await gqlData('{ evaluations { id label } }');
      const model = (id: string) => evaluations.find((e: { id: string }) => e.id === id).label.split(' · ')[0];
      const row = (id: string) => compare.find((r: { evaluationId: string }) => r.evaluationId === id);
      const accuracy = JSON.parse((await page.getAttribute('#study-accuracy', 'data-points'))!);
      expect(accuracy.map((a: { evaluationId: string }) => a.evaluationId).sort()).toEqual([...siteA].sort());
      for (const a of accuracy) {
        const r = row(a.evaluationId);
        expect(a).toEqual({
          evaluationId: a.evaluationId,
          model: model(a.evaluationId),
          dice: STRUCTURES.map((s) => r.structures.find((x: any) => x.structure === s).dice),
          assd: STRUCTURES.map((s) => r.structures.find((x: any) => x.structure === s).assd),
          ece: r.calibration.ece,
          nll: r.calibration.nll,
          brier: r.calibration.brier,
          entropy: r.entropy,
          mi: r.mi,
        });
      }
      expect(accuracy.map((a: { model: string }) => a.model).sort()).toEqual(
        ['BBB', 'DE-5', 'MCD-0.1', 'MCD-0.5', 'PLAIN seed 1', 'PLAIN seed 2'].sort(),
      );
      // The cells show the same numbers, rounded.
      const de = accuracy.find((a: { model: string }) => a.model === 'DE-5');
      const deRow = await page.textContent(`#study-accuracy tbody tr:nth-child(${accuracy.indexOf(de) + 1})`);
      expect(deRow).toContain(de.dice[0].toFixed(3));
      expect(deRow).toContain(de.nll.toFixed(4));

      const review = JSON.parse((await page.getAttribute('#study-review', 'data-points'))!);
      expect(review).toHaveLength(siteA.length * STRUCTURES.length);
      const at = 'reviewAt(target: 0.05)';
      for (const id of siteA) {
        const { evaluation: e } = await gqlData(
          `query($id: ID!) { evaluation(id: $id) { ${STRUCTURES.map((s) => `${s}: qcCurve(structure: ${s}, measure: ASSD_WITHIN) { ${at} n poor } ${s}b: baselines(structure: ${s}) { random { ${at} } slicePosition { ${at} } }`).join(' ')} } }`,
          { id },
        );
        for (const s of STRUCTURES)
          expect(review.find((r: any) => r.evaluationId === id && r.structure === s)).toEqual({
            evaluationId: id,
            model: model(id),
            structure: s,
            n: e[s].n,
            poor: e[s].poor,
            reviewAt: e[s].reviewAt,
            random: e[`${s}b`].random.reviewAt,
            slicePosition: e[`${s}b`].slicePosition.reviewAt,
          });
      }

      const shift = JSON.parse((await page.getAttribute('#study-shift', 'data-points'))!);
      expect(shift).toHaveLength(5);
      for (const v of study.variants) {
        const drawn = shift.find((x: { siteB: string }) => x.siteB === v.siteB);
        const [a, b] = [row(v.siteA), row(v.siteB!)];
        const mean = (r: any) => (r.structures[0].dice + r.structures[1].dice + r.structures[2].dice) / 3;
        expect(drawn.siteA).toBe(v.siteA);
        expect(drawn.meanDice[0]).toBeCloseTo(mean(a), 12);
        expect(drawn.meanDice[1]).toBeCloseTo(mean(b), 12);
        expect(drawn.ece).toEqual([a.calibration.ece, b.calibration.ece]);
        expect(drawn.entropy).toEqual([a.entropy, b.entropy]);
      }
      expect(await page.textContent('#study-report code')).toBe(
        `cardiac-uq report --out report --study ${study.studyRunId}`,
      );
      const stages = JSON.parse((await page.getAttribute('#study-stages-table', 'data-points'))!);
      const { run } = await gqlData('query($id: ID!) { run(id: $id) { children { id kind status } } }', {
        id: study.studyRunId,
      });
      expect(stages).toEqual(run.children);
      await shot(page, 'study');

      // The study finishing reaches the page too, and the subscription ends.
      await setProgress({ status: 'SUCCEEDED', progress: 1, stage: null, etaSeconds: null });
      await page.waitForSelector('#study-progress[data-status=SUCCEEDED]');
      // Without WebSocket the view polls run(id) instead.
      const polled = await open(`#/study?study=${study.studyRunId}`, (p) =>
        p.addInitScript(() => {
          delete (window as { WebSocket?: unknown }).WebSocket;
        }),
      );
      await polled.waitForSelector('#study-progress[data-via=polling][data-status=SUCCEEDED]');
      expect(consoleErrors).toEqual([]);
    } finally {
      await setProgress({ status: 'SUCCEEDED', progress: 1, stage: null, etaSeconds: null });
      await store.$disconnect();
    }
  });

  test("lineage: from the slice viewer to a segmentation's lineage, its links as the API verifies them", async () => {
    const page = await open(`#/slices?eval=${evalId('MCD-0.5', 'A')}`);
    const predictionId = await (
      await page.waitForSelector('#slice-detail[data-prediction-id]')
    ).getAttribute('data-prediction-id');
    await page.click('#lineage-link');
    await page.waitForFunction(() => location.hash.startsWith('#/lineage'));
    await routed(page);
    const { lineage } = await gqlData(
      `query($id: ID!) { lineage(predictionId: $id) { evaluation { label } slice { contentHash } dataset { name contentHash }
        checkpoints { weightsSha256 } training { id seed actor codeVersion backend } links { name from to status detail auditSeq reason } } }`,
      { id: predictionId },
    );
    expect(await page.getAttribute('#lineage', 'data-prediction-id')).toBe(predictionId);
    expect(JSON.parse((await page.getAttribute('#lineage-links', 'data-points'))!)).toEqual(lineage.links);
    expect(
      await page.$$eval('#lineage-links tbody tr', (rows) => rows.map((r) => r.getAttribute('data-status'))),
    ).toEqual(lineage.links.map((l: { status: string }) => l.status));
    // The synthetic store was written around the platform: no audit event records it, and its slice
    // hashes are random, so nothing verifies — and the view says so.
    expect(lineage.links.map((l: { status: string }) => l.status)).toEqual([
      'MISMATCH',
      'UNRECORDED',
      'UNRECORDED',
      'UNRECORDED',
      'UNRECORDED',
      'UNRECORDED',
      'UNRECORDED',
    ]);
    expect(await page.textContent('#lineage-summary')).toBe('0 of 7 links verify.');
    const text = await page.textContent('#lineage');
    for (const fact of [
      lineage.evaluation.label,
      lineage.slice.contentHash,
      lineage.dataset.name,
      lineage.dataset.contentHash,
      lineage.checkpoints[0].weightsSha256,
      lineage.training.id,
      lineage.training.actor,
      lineage.training.codeVersion,
    ])
      expect(text).toContain(fact);
    await shot(page, 'lineage');
    const unknown = await open(`#/lineage?prediction=${crypto.randomUUID()}`);
    expect(await unknown.textContent('#lineage-unknown')).toMatch(/^No stored segmentation has the id /);
    expect(consoleErrors).toEqual([]);
  });

  test('runs: the list and cancel of the running sweep from its row', async () => {
    const page = await open('#/runs');
    const { runs } = await gqlData('{ runs(first: 500) { totalCount nodes { id status } } }');
    expect(await page.$$eval('#runs-table tbody tr', (rows) => rows.length)).toBe(Math.min(200, runs.totalCount));
    await shot(page, 'runs');
    const sweep = study.running.sweepRunId;
    await page.click(`button[aria-label="Cancel run ${sweep.slice(0, 8)}"]`);
    await page.waitForSelector(`#runs-table tr[data-run-id="${sweep}"][data-status=CANCELLED]`);
    expect((await gqlData(`{ run(id: "${sweep}") { status } }`)).run.status).toBe('CANCELLED');
    await shot(page, 'runs-after-cancel');
    expect(consoleErrors).toEqual([]);
  });
});
