/**
 * The benchmark study end to end on the real platform and a real Postgres, `tiny` preset with one
 * repeat, one distortion kind at two degrees and a two-member ensemble: the study job launches the
 * paper's design, survives a platform restart midway (the Ctrl-C case) without redoing work,
 * re-running it launches nothing, and the report holds the figures and the numbers the API returns.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { startBoss, type Boss } from '../../src/jobs/queues';
import { launchStudy } from '../../src/services/study/launch';
import { writeReport } from '../../src/report';
import { loadConfig } from '../../src/config';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';

const server = testServers()[0];
const ENV = {
  CARDIAC_UQ_BACKEND: 'wasm',
  CARDIAC_UQ_JOB_HEARTBEAT_SECONDS: '10',
  CARDIAC_UQ_JOB_RETRY_DELAY_SECONDS: '1',
};

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${explain ? `\n${await explain()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('benchmark study (tiny preset) through the platform', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let boss: Boss;
  let dataDir: string;
  let reportDir: string;
  let api: Awaited<ReturnType<typeof startTestPlatform>> | undefined;
  let studyId: string;
  const launcher = () => ({ store, boss, actor: 'test-actor', codeVersion: require('../../package.json').version });
  const explain = async () => {
    const study = await store.run.findUnique({ where: { id: studyId } });
    const runs = await store.run.findMany({
      where: { OR: [{ parentRunId: studyId }, { parent: { parentRunId: studyId } }] },
      orderBy: { createdAt: 'asc' },
    });
    const { rows } = (await boss
      .getDb()
      .executeSql(
        'SELECT name, state, count(*)::int AS n FROM pgboss.job GROUP BY name, state ORDER BY name, state',
      )) as { rows: unknown[] };
    return JSON.stringify({
      study: { status: study?.status, stage: study?.stage, error: study?.error, jobId: study?.jobId },
      runs: runs.map((r) => [r.kind, r.method, r.status, r.stage, r.error]),
      jobs: rows,
    });
  };

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    boss = await startBoss(db.url);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-study-'));
    reportDir = path.join(dataDir, 'report');

    // First platform: launch, and stop it (as Ctrl-C does) once training is under way.
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_DATA_DIR: dataDir, ...ENV });
    const { run, start } = await launchStudy(launcher(), { preset: 'tiny', repeats: 1 });
    expect(start).toBe('created');
    studyId = run.id;
    await until(
      'a finished training',
      () => store.run.findFirst({ where: { parentRunId: studyId, kind: 'TRAIN', status: 'SUCCEEDED' } }),
      300000,
      explain,
    );
    await api.platform.close();
    const stoppedWith = await store.run.count({ where: { parentRunId: studyId } });
    expect(stoppedWith).toBeGreaterThan(2);

    // A later start resumes what was left (as `npm start` or `cardiac-uq study` do).
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_DATA_DIR: dataDir, ...ENV });
    expect((await launchStudy(launcher(), { preset: 'tiny', repeats: 1 })).start).toBe('resumed');
    const study = await until(
      'the study to finish',
      async () => {
        const r = await store.run.findUniqueOrThrow({ where: { id: studyId } });
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status) ? r : undefined;
      },
      600000,
      explain,
    );
    expect([study.status, study.error]).toEqual(['SUCCEEDED', null]);
  }, 960000);

  afterAll(async () => {
    await api?.platform.close();
    await boss?.stop({ graceful: false }).catch(() => {});
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the paper design: two sites, five methods, a sweep and a site-B evaluation each, all children of the study', async () => {
    const launched = await store.run.findMany({ where: { parentRunId: studyId } });
    // A launch cut off by the restart is marked FAILED and launched again; everything else succeeded.
    for (const c of launched.filter((r) => r.status !== 'SUCCEEDED'))
      expect([c.status, c.error]).toEqual([
        'FAILED',
        expect.stringMatching(/launch interrupted|its jobs ended|a child run failed/),
      ]);
    const children = launched.filter((c) => c.status === 'SUCCEEDED');
    const of = (kind: string) => children.filter((c) => c.kind === kind);
    expect(of('DATASET')).toHaveLength(2);
    const datasets = await store.dataset.findMany({ orderBy: { site: 'asc' } });
    expect(datasets.map((d) => [d.name, d.site])).toEqual([
      ['phantom-A-n6-s1-t1', 'A'],
      ['phantom-B-n3-s2', 'B'],
    ]);
    // Site A: 6 subjects split 4/1/1 plus one more test subject.
    const splits = await store.subject.groupBy({ by: ['split'], where: { datasetId: datasets[0].id }, _count: true });
    expect(Object.fromEntries(splits.map((g) => [g.split, g._count]))).toEqual({ TRAIN: 4, VAL: 1, TEST: 2 });

    const trainings = of('TRAIN');
    const label = (c: (typeof trainings)[number]) => {
      const config = c.config as {
        method: string;
        dropout?: { rate: number; layers: string };
        bayes?: { priorSigma: number; klWeight: number };
        members?: number;
      };
      return `${c.method}${config.dropout ? `:${config.dropout.rate}:${config.dropout.layers}` : ''}${config.bayes ? `:${config.bayes.priorSigma}:${config.bayes.klWeight}` : ''}${config.members ? `:${config.members}` : ''}`;
    };
    expect(trainings.map(label).sort()).toEqual([
      'BBB:0.1:10',
      'ENSEMBLE:2',
      'MC_DROPOUT:0.1:middle',
      'MC_DROPOUT:0.5:middle',
      'PLAIN',
    ]);
    expect(trainings.every((t) => t.datasetId === datasets[0].id)).toBe(true);
    const ensemble = trainings.find((t) => t.method === 'ENSEMBLE')!;
    expect(await store.checkpoint.count({ where: { runId: ensemble.id } })).toBe(2);
    // Member 0 is the plain U-Net's checkpoint, adopted (not trained again), with its epochs and an audit event.
    const plain = trainings.find((t) => t.method === 'PLAIN')!;
    const [plainCheckpoint, member0] = await Promise.all([
      store.checkpoint.findFirstOrThrow({ where: { runId: plain.id } }),
      store.checkpoint.findUniqueOrThrow({ where: { runId_member: { runId: ensemble.id, member: 0 } } }),
    ]);
    expect(member0.weightsSha256).toBe(plainCheckpoint.weightsSha256);
    expect(member0.id).not.toBe(plainCheckpoint.id);
    expect((ensemble.config as { member0From?: string }).member0From).toBe(plain.id);
    expect(await store.trainingEpoch.count({ where: { runId: ensemble.id, member: 0 } })).toBe(
      await store.trainingEpoch.count({ where: { runId: plain.id } }),
    );
    expect(await store.auditEvent.count({ where: { action: 'checkpoint.adopted', entityId: member0.id } })).toBe(1);

    const sweeps = of('SWEEP');
    expect(sweeps.map((s) => (s.config as { trainingRunId: string }).trainingRunId).sort()).toEqual(
      trainings.map((t) => t.id).sort(),
    );
    const testSubjects = await store.subject.findMany({
      where: { datasetId: datasets[0].id, split: 'TEST' },
      select: { externalId: true },
    });
    const sliceCount = async (where: object) =>
      store.slice.count({ where: { subject: { datasetId: datasets[0].id, split: 'TEST', ...where } } });
    for (const sweep of sweeps) {
      const evaluations = await store.evaluation.findMany({
        where: { run: { parentRunId: sweep.id } },
        include: { run: true },
        orderBy: [{ distortionKind: 'asc' }, { distortionLevel: 'asc' }],
      });
      expect(evaluations.map((e) => `${e.distortionKind}${e.distortionLevel}`)).toEqual(['NONE0', 'NOISE1', 'NOISE4']);
      expect(evaluations.every((e) => e.datasetId === datasets[0].id && e.split === 'TEST')).toBe(true);
      // The sweep runs on a seeded sample of one of the two test subjects, recorded on every run.
      const sample = (sweep.config as { subjectSample: { count: number; subjectIds: string[] } }).subjectSample;
      expect(sample.count).toBe(1);
      expect(testSubjects.map((t) => t.externalId)).toContain(sample.subjectIds[0]);
      const sampled = await sliceCount({ externalId: { in: sample.subjectIds } });
      for (const e of evaluations) expect((e.run.config as { slices: number }).slices).toBe(sampled);
      // Sweeps draw the plan's sweepSamples (tiny: 2) for MC Dropout and BBB, T = 4 elsewhere.
      const method = trainings.find((t) => t.id === (sweep.config as { trainingRunId: string }).trainingRunId)!.method;
      const sweepT = { PLAIN: 1, MC_DROPOUT: 2, BBB: 2, ENSEMBLE: 2 }[method as string];
      expect(evaluations.map((e) => e.samples)).toEqual(evaluations.map(() => sweepT));
    }
    // Succeeded ones: a launch cut off by the restart is marked FAILED and launched again.
    const evaluations = await store.evaluation.findMany({
      where: { run: { parentRunId: studyId, kind: 'EVALUATE', status: 'SUCCEEDED' } },
      include: { run: true },
    });
    const flags = (e: (typeof evaluations)[number]) => {
      const c = e.run.config as { testTimeAugmentation?: boolean; temperatureScaling?: unknown };
      return `${c.testTimeAugmentation ? '+TTA' : ''}${c.temperatureScaling ? '+TS' : ''}`;
    };
    const siteB = evaluations.filter((e) => e.datasetId === datasets[1].id && !flags(e));
    expect(siteB).toHaveLength(5);
    expect(siteB.every((e) => e.split === null && e.distortionKind === 'NONE')).toBe(true);
    // The undistorted site-A test of every test subject, per training; +TTA (PLAIN) on both sites; +TS on site A.
    const siteATest = evaluations.filter((e) => e.datasetId === datasets[0].id && e.split !== 'VAL' && !flags(e));
    expect(siteATest.map((e) => e.trainingRunId).sort()).toEqual(trainings.map((t) => t.id).sort());
    // And the validation split of each, undistorted: what the combined QC score is fitted on.
    const validation = evaluations.filter((e) => e.split === 'VAL');
    expect(validation.map((e) => [e.trainingRunId, e.datasetId, e.distortionKind, flags(e)]).sort()).toEqual(
      trainings.map((t) => [t.id, datasets[0].id, 'NONE', '']).sort(),
    );
    const all = await sliceCount({});
    for (const e of siteATest) expect([e.split, (e.run.config as { slices: number }).slices]).toEqual(['TEST', all]);
    const plainId = trainings.find((t) => t.method === 'PLAIN')!.id;
    const tta = evaluations.filter((e) => flags(e) === '+TTA');
    expect(tta.map((e) => [e.trainingRunId, e.datasetId === datasets[0].id ? 'A' : 'B']).sort()).toEqual(
      [
        [plainId, 'A'],
        [plainId, 'B'],
      ].sort(),
    );
    // +TS for MCD-0.1: its temperature fit (a CALIBRATE child), then the site-A test with it.
    const mcd01 = trainings.find((t) => label(t) === 'MC_DROPOUT:0.1:middle')!;
    const fit = await store.temperatureFit.findFirstOrThrow({ where: { trainingRunId: mcd01.id } });
    const ts = evaluations.filter((e) => flags(e) === '+TS');
    expect(ts.map((e) => [e.trainingRunId, e.datasetId, e.split])).toEqual([[mcd01.id, datasets[0].id, 'TEST']]);
    expect((ts[0].run.config as { temperatureScaling: { fitId: string } }).temperatureScaling.fitId).toBe(fit.id);
    expect(of('CALIBRATE').map((c) => (c.config as { trainingRunId: string }).trainingRunId)).toEqual([mcd01.id]);
    const samples = Object.fromEntries(
      await Promise.all(
        siteB.map(async (e) => [
          (await store.run.findUniqueOrThrow({ where: { id: e.trainingRunId } })).method,
          e.samples,
        ]),
      ),
    );
    expect(samples).toEqual({ PLAIN: 1, MC_DROPOUT: 4, BBB: 4, ENSEMBLE: 2 });
  });

  test('re-running finds the finished study and launches nothing', async () => {
    const before = await store.run.count();
    const again = await launchStudy(launcher(), { preset: 'tiny', repeats: 1 });
    expect(again).toMatchObject({ start: 'finished' });
    expect(again.run.id).toBe(studyId);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await store.run.count()).toBe(before);
  });

  test("the report: HTML and Markdown with SVG figures, the API's numbers and the runs behind them", async () => {
    const config = loadConfig({ ...process.env, DATABASE_URL: db.url, CARDIAC_UQ_ACTOR: 'test-actor' });
    const report = await writeReport(
      { store, boss, config, databaseDescription: 'test' },
      { outDir: reportDir, studyRunId: studyId },
    );
    const html = fs.readFileSync(report.htmlPath, 'utf8');
    const md = fs.readFileSync(report.markdownPath, 'utf8');
    expect(report.figures.length).toBeGreaterThanOrEqual(10);
    for (const file of report.figures) expect(fs.readFileSync(file, 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>$/);
    expect((html.match(/<svg/g) ?? []).length).toBe(report.figures.length);
    for (const section of [
      '1. Segmentation accuracy',
      '2. Accuracy and uncertainty',
      '3. Dataset shift',
      '4. Spearman',
      '5. Segmentation quality control',
      '6. Bayes by Backprop',
      '7. Timings',
      '8. Findings',
    ]) {
      expect(md).toContain(section);
      expect(html).toContain(section);
    }

    // The site-A numbers in the table are the API's compare() numbers.
    const { gql } = api!;
    const trainings = await store.run.findMany({ where: { parentRunId: studyId, kind: 'TRAIN', status: 'SUCCEEDED' } });
    const ensemble = trainings.find((t) => t.method === 'ENSEMBLE')!;
    const sweep = await store.run.findFirstOrThrow({
      where: {
        parentRunId: studyId,
        kind: 'SWEEP',
        status: 'SUCCEEDED',
        config: { path: ['trainingRunId'], equals: ensemble.id },
      },
    });
    // The site-A test figures come from the undistorted evaluation of every test subject (not +TTA, +TS).
    const none = (
      await store.evaluation.findMany({
        where: {
          trainingRunId: ensemble.id,
          split: 'TEST',
          distortionKind: 'NONE',
          run: { parentRunId: studyId, status: 'SUCCEEDED' },
        },
        include: { run: true },
      })
    ).find((e) => {
      const c = e.run.config as { testTimeAugmentation?: boolean; temperatureScaling?: unknown };
      return !c.testTimeAugmentation && !c.temperatureScaling;
    })!;
    const res = await gql(
      `{ compare(evaluationIds: ["${none.id}"]) { structures { structure dice } calibration { nll } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const row = res.body.data.compare[0];
    const deLine = md
      .split('\n')
      .find((l: string) => l.startsWith('| DE-2 |') && l.includes(row.calibration.nll.toFixed(4)));
    expect(deLine).toBeDefined();
    for (const s of row.structures) expect(deLine).toContain(s.dice.toFixed(3));
    const qc = await gql(`{ evaluation(id: "${none.id}") { qcCurve(structure: LV, measure: ASSD_WITHIN) { auc } } }`);
    expect(md).toContain(qc.body.data.evaluation.qcCurve.auc.toFixed(3));

    // Provenance: every training run and checkpoint is named; figures name their sources.
    const checkpoints = await store.checkpoint.findMany({ where: { runId: { in: trainings.map((t) => t.id) } } });
    expect(checkpoints).toHaveLength(6);
    for (const id of [...trainings.map((t) => t.id), ...checkpoints.map((c) => c.id), sweep.id, none.id])
      expect(md).toContain(id);
    expect(md.match(/<sub>Source: /g)?.length).toBe(report.figures.length);

    const findings = JSON.parse(fs.readFileSync(path.join(reportDir, 'findings.json'), 'utf8'));
    expect(findings.studyRunId).toBe(studyId);
    expect(findings.findings.length).toBeGreaterThanOrEqual(10);
    for (const f of findings.findings) expect(['agrees', 'differs', 'inconclusive', 'n/a']).toContain(f.verdict);
    // Figures carry subject-bootstrap intervals; the findings open with their counts and give each rule.
    for (const s of row.structures)
      expect(deLine).toMatch(new RegExp(`${s.dice.toFixed(3)} \\[-?\\d\\.\\d{3}, -?\\d\\.\\d{3}\\]`));
    const n = (v: string) => findings.findings.filter((f: { verdict: string }) => f.verdict === v).length;
    expect(md).toContain(`**${n('agrees')} agree, ${n('differs')} differ, ${n('inconclusive')} inconclusive`);
    for (const f of findings.findings) expect(f.rule).toMatch(/interval|margin|not a figure of test subjects/i);
    // The tiny plan fits a temperature and evaluates +TS on the site-A test: before and after, per method.
    expect(md).toContain('Temperature scaling: calibration before and after');
    expect(md).toMatch(/\| [A-Z0-9.-]+\+TS \|/);
    // Uncertainty with plausibility: the ensemble's site-A test cell is the API's plausibilityQc, fitted
    // on its validation evaluation, averaged over the structures that have a fit.
    expect(md).toContain('Uncertainty with anatomical plausibility');
    const validation = await store.evaluation.findFirstOrThrow({
      where: { trainingRunId: ensemble.id, split: 'VAL', run: { parentRunId: studyId, status: 'SUCCEEDED' } },
    });
    const fitted: Array<{ alone: number; combined: number }> = [];
    for (const s of ['LV', 'MYO', 'RV']) {
      const pq = await gql(
        `{ evaluation(id: "${none.id}") { plausibilityQc(fitEvaluationId: "${validation.id}", structure: ${s}, measure: ENTROPY) { combined { auc } uncertainty { auc } } } }`,
      );
      if (pq.body.errors) expect(pq.body.errors[0].message).toMatch(/cannot fit/);
      else {
        const q = pq.body.data.evaluation.plausibilityQc;
        fitted.push({ alone: q.uncertainty.auc, combined: q.combined.auc });
      }
    }
    if (fitted.length) {
      const mean = (f: (x: (typeof fitted)[number]) => number) => fitted.reduce((a, x) => a + f(x), 0) / fitted.length;
      const table = md.slice(md.indexOf('QC AUC, ENTROPY alone'));
      const cells = (prefix: string) =>
        table
          .split('\n')
          .find((l: string) => l.startsWith(prefix))!
          .slice(1, -1)
          .split(' | ')
          .map((c: string) => c.trim());
      const column = cells('| condition |').indexOf('DE-2');
      // "alone [interval] → combined [interval]" (plausibilityQcSummary's intervals; "—" where none).
      const ci = '\\[(-?\\d\\.\\d{3}, -?\\d\\.\\d{3}|—)\\]';
      expect(cells('| site A test |')[column]).toMatch(
        new RegExp(`^${mean((x) => x.alone).toFixed(3)} ${ci} → ${mean((x) => x.combined).toFixed(3)} ${ci}$`),
      );
      expect(md).toContain('QC AUC: combined − ENTROPY alone, paired');
    }
  });
});
