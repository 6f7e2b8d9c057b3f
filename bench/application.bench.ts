/**
 * The application at phantom scale (issue 15; docs/design.md "Application check"). Figures only,
 * no assertions on time.
 *
 *   npx tsx bench/application.bench.ts [--preset quick] [--epochs 12] [--samples 20] [--subjects-a 20]
 *     [--subjects-b 10] [--measure DICE_WITHIN] [--targets 0.05,0.2] [--one-worker]
 *
 * On the real platform (API in this process, two worker processes, real pg-boss and Postgres, tfjs
 * wasm), the test's flow with a real-sized model:
 *  (a) MC Dropout trained on phantom site A, evaluated with T samples on its labelled test split; a
 *      policy there per target (one rule per structure on the measure, poor left ≤ target); phantom
 *      site B written as an ACDC folder without `_gt` files, imported, inferred with each policy,
 *      its label files attached after the first: promised (95 % subject-bootstrap intervals)
 *      against realised review fraction and poor fraction left, and per structure the realised
 *      poor left. Site A's poor fractions are printed first: a target below them forces review.
 *  (b) Time to flag one subject (the site-B subject whose ED + ES stacks are nearest 20 slices) with
 *      T samples: the engine in this process (inferSlice per slice on the stored images, model
 *      loaded once, warmed up) against the whole job path (startInference → shards on the queue →
 *      workers → store, until the run is SUCCEEDED).
 *  (c) Slices/s of the first site-B inference of (a) with two workers, and what that rate means for a
 *      100-subject folder (site B's mean slices per subject); with --one-worker the same inference
 *      again on one worker, for the scaling.
 *
 * About 11 min on the 2-core development machine at load average 6–10 (training 7.5 min of it);
 * with 6 epochs every LV is poor and a 5 % target flags every slice.
 *
 * Postgres: a fresh database on BENCH_PG_ADMIN_URL (default the local server on 127.0.0.1:5432),
 * dropped at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { policyRules } from '../src/domain/policy-rules';
import { initBackend } from '../src/engine/backend';
import { generatePhantomDataset } from '../src/engine/data/phantom';
import { inferSlice } from '../src/engine/inference/slice-inference';
import { writeAcdcFolder } from '../src/engine/io/acdc-import';
import { superviseWorkers } from '../src/jobs/worker-processes';
import { modelOfCheckpoints } from '../src/store/checkpoint-cache';
import { loadImageSlices } from '../src/store/load-slices';
import { createDatabase } from '../test/support/databases';
import { startTestPlatform } from '../test/support/platform';
import { waitForRun } from '../test/support/poll';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const preset = arg('preset', 'quick');
const epochs = Number(arg('epochs', '12'));
const T = Number(arg('samples', '20'));
const subjectsA = Number(arg('subjects-a', '20'));
const subjectsB = Number(arg('subjects-b', '10'));
const measure = arg('measure', 'DICE_WITHIN');
const targets = arg('targets', '0.05,0.2').split(',').map(Number);
const HOUR = 3600000;
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
const interval = (e: number, lo: number, hi: number) => `${pct(e)} [${pct(lo)}, ${pct(hi)}]`;

async function main(): Promise<void> {
  console.log(`load average at start: ${load()} (${os.cpus().length} cores)`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-bench-app-'));
  const dataDir = path.join(root, 'data');
  const importRoot = path.join(root, 'import');
  const db = await createDatabase({
    name: 'external',
    adminUrl: process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  });
  const env = {
    CARDIAC_UQ_DATA_DIR: dataDir,
    CARDIAC_UQ_IMPORT_ROOT: importRoot,
    CARDIAC_UQ_BACKEND: 'wasm',
    CARDIAC_UQ_RATE_LIMIT: '0',
  };
  fs.mkdirSync(dataDir, { recursive: true });

  // Site B on disk: images only for the import, the label files beside them for attachLabels, and
  // the subject nearest 20 slices alone for (b).
  const siteB = generatePhantomDataset({ site: 'B', subjects: subjectsB, seed: 31 });
  const unlabelled = siteB.map((s) => ({ ...s, slices: s.slices.map((x) => ({ ...x, label: null })) }));
  writeAcdcFolder(path.join(importRoot, 'site-b'), unlabelled);
  writeAcdcFolder(path.join(importRoot, 'site-b-labels'), siteB);
  const one = unlabelled.reduce((a, b) => (Math.abs(b.slices.length - 20) < Math.abs(a.slices.length - 20) ? b : a));
  writeAcdcFolder(path.join(importRoot, 'one-subject'), [one]);
  const sliceCountB = siteB.reduce((n, s) => n + s.slices.length, 0);

  const api = await startTestPlatform(db.url, 'all', env);
  // Role all brings one worker process; a second joins it.
  const extra = superviseWorkers({
    count: 1,
    env: { ...process.env, ...env },
    databaseUrl: db.url,
    dataDir,
    log: () => {},
    name: 'bench worker',
  });
  const gql = async (query: string) => {
    const res = await api.gql(query);
    if (res.body.errors) throw new Error(`${query.slice(0, 80)}…: ${JSON.stringify(res.body.errors)}`);
    return res.body.data as any;
  };
  const finished = async (runId: string) => {
    const run = await waitForRun(api.gql, runId, HOUR);
    if (run.status !== 'SUCCEEDED') throw new Error(`run ${runId} ${run.status}: ${run.error}`);
    return run;
  };
  const store = api.platform.store;
  try {
    let t0 = performance.now();
    const siteA = (
      await finished(
        (
          await gql(
            `mutation { createPhantomDataset(input: { name: "A", site: "A", subjects: ${subjectsA}, seed: 7 }) { id } }`,
          )
        ).createPhantomDataset.id,
      )
    ).datasetId;
    const trainingRunId = (
      await gql(
        `mutation { startTraining(input: { datasetId: "${siteA}", method: MC_DROPOUT, preset: "${preset}", epochs: ${epochs}, seed: 2 }) { id } }`,
      )
    ).startTraining.id;
    await finished(trainingRunId);
    console.log(
      `setup: site A ${subjectsA} subjects, ${preset} MC Dropout ${epochs} epochs: ${seconds(t0).toFixed(0)} s`,
    );

    t0 = performance.now();
    const evRun = (
      await gql(
        `mutation { startEvaluation(input: { trainingRunId: "${trainingRunId}", datasetId: "${siteA}", split: TEST, samples: ${T}, seed: 9 }) { id } }`,
      )
    ).startEvaluation.id;
    await finished(evRun);
    const evaluationId = (await store.evaluation.findUniqueOrThrow({ where: { runId: evRun } })).id;
    console.log(`site A test evaluation T = ${T}: ${seconds(t0).toFixed(0)} s`);
    const poorA = await store.structureMetric.groupBy({
      by: ['structure', 'poor'],
      where: { evaluationId },
      _count: { _all: true },
    });
    const poorFraction = (k: string) => {
      const of = poorA.filter((g) => g.structure === k);
      const all = of.reduce((n, g) => n + g._count._all, 0);
      return (of.find((g) => g.poor)?._count._all ?? 0) / all;
    };
    console.log(
      `site A test poor fractions: ${['LV', 'MYO', 'RV'].map((k) => `${k} ${pct(poorFraction(k))}`).join(', ')}`,
    );
    const rules = ['LV', 'MYO', 'RV'].map((s) => `{ structure: ${s}, measure: ${measure} }`).join(', ');
    const policies = [];
    for (const target of targets)
      policies.push(
        (
          await gql(`mutation { createPolicy(input: { name: "site-A ${target}", evaluationId: "${evaluationId}", target: ${target},
        resamples: 1000, seed: 3, rules: [${rules}] }) {
        id target cases bootstrap rules { structure threshold }
        reviewFraction { estimate low high } poorLeft { estimate low high } } }`)
        ).createPolicy,
      );
    const policy = policies[0];
    console.log(`policies: ${policy.cases} slices of ${policy.bootstrap.subjects} subjects, 1 000 subject resamples`);

    t0 = performance.now();
    const siteBId = (
      await finished(
        (await gql('mutation { importDataset(input: { name: "B", path: "site-b", layout: ACDC }) { id } }'))
          .importDataset.id,
      )
    ).datasetId;
    const counts = (await gql(`{ dataset(id: "${siteBId}") { labelledSliceCount unlabelledSliceCount } }`)).dataset;
    console.log(
      `site B import without labels: ${subjectsB} subjects, ${counts.unlabelledSliceCount} unlabelled / ${counts.labelledSliceCount} labelled slices, ${seconds(t0).toFixed(1)} s`,
    );
    const infer = async (datasetId: string, policyId: string) => {
      const start = performance.now();
      const runId = (
        await gql(
          `mutation { startInference(input: { trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", samples: ${T}, policyId: "${policyId}", seed: 5 }) { id } }`,
        )
      ).startInference.id;
      await finished(runId);
      const s = seconds(start);
      return { s, inferenceId: (await store.inference.findUniqueOrThrow({ where: { runId } })).id };
    };
    let two: { s: number; inferenceId: string } | undefined;
    for (const p of policies) {
      const inferred = await infer(siteBId, p.id);
      if (!two) {
        two = inferred;
        await gql(`mutation { attachLabels(input: { datasetId: "${siteBId}", path: "site-b-labels" }) { id } }`);
      }
      const check = (
        await gql(`{ promiseCheck(inferenceId: "${inferred.inferenceId}") { labelled flagged poor reviewFraction poorLeft
        structures { structure poor poorLeft } } }`)
      ).promiseCheck;
      console.log(
        `\n(a) site A → site B, MC Dropout T = ${T}, ${measure} on LV, MYO, RV, target poor left ≤ ${pct(p.target)}`,
      );
      console.log(`    thresholds: ${p.rules.map((r: any) => `${r.structure} ${r.threshold}`).join(', ')}`);
      const rf = p.reviewFraction;
      const pl = p.poorLeft;
      console.log(
        `    review fraction: promised ${interval(rf.estimate, rf.low, rf.high)}, realised on site B ${pct(check.reviewFraction)} (${check.flagged} of ${check.labelled} slices)`,
      );
      console.log(
        `    poor left:       promised ${interval(pl.estimate, pl.low, pl.high)}, realised on site B ${pct(check.poorLeft)} (poor in any structure: ${check.poor} of ${check.labelled})`,
      );
      console.log(
        `    realised poor left per structure: ${check.structures.map((s: any) => `${s.structure} ${pct(s.poorLeft)} (${s.poor} poor)`).join(', ')}`,
      );
    }

    // (b) One subject: the engine in this process, then the whole job path.
    const oneId = (
      await finished(
        (await gql('mutation { importDataset(input: { name: "one", path: "one-subject", layout: ACDC }) { id } }'))
          .importDataset.id,
      )
    ).datasetId;
    await initBackend('wasm');
    const checkpointIds = (await store.checkpoint.findMany({ where: { runId: trainingRunId } })).map((c) => c.id);
    t0 = performance.now();
    const model = await modelOfCheckpoints(store, dataDir, checkpointIds);
    const modelLoad = seconds(t0);
    const slices = await loadImageSlices(store, { datasetId: oneId });
    const stored = await store.policy.findUniqueOrThrow({ where: { id: policy.id } });
    const qcRules = policyRules(stored);
    inferSlice(model, slices[0], T, { seed: 5, rules: qcRules }); // warm-up, not timed
    const engine: number[] = [];
    for (let r = 0; r < 3; r++) {
      t0 = performance.now();
      for (const s of slices) inferSlice(model, s, T, { seed: 5, rules: qcRules });
      engine.push(seconds(t0));
    }
    const median = [...engine].sort((a, b) => a - b)[1];
    const job = await infer(oneId, policy.id);
    console.log(`\n(b) one subject (ED + ES, ${slices.length} slices), MC Dropout T = ${T}, wasm`);
    console.log(
      `    engine in process (inferSlice with the policy, model loaded once in ${modelLoad.toFixed(2)} s): median of 3 ${median.toFixed(2)} s (${engine.map((x) => x.toFixed(2)).join(', ')}), ${((1000 * median) / slices.length).toFixed(0)} ms/slice`,
    );
    console.log(
      `    whole job path (startInference → 16-slice shards → 2 workers → store → SUCCEEDED): ${job.s.toFixed(2)} s, ${(job.s / median).toFixed(2)}× the engine alone`,
    );

    // (c) The site-B inference's rate, and what it means for 100 subjects.
    const perSubject = sliceCountB / subjectsB;
    const rate2 = sliceCountB / two!.s;
    console.log(
      `\n(c) site-B folder: ${subjectsB} subjects, ${sliceCountB} slices (${perSubject.toFixed(1)} per subject)`,
    );
    console.log(
      `    two workers: ${two!.s.toFixed(1)} s, ${rate2.toFixed(2)} slices/s → a 100-subject folder (${Math.round(100 * perSubject)} slices) ≈ ${((100 * perSubject) / rate2 / 60).toFixed(1)} min at this rate`,
    );
    if (process.argv.includes('--one-worker')) {
      await extra.stop();
      const single = await infer(siteBId, policy.id);
      const rate1 = sliceCountB / single.s;
      console.log(
        `    one worker:  ${single.s.toFixed(1)} s, ${rate1.toFixed(2)} slices/s; two workers ${(rate2 / rate1).toFixed(2)}× one`,
      );
    }
  } finally {
    await extra.stop();
    await api.platform.close();
    await db.drop();
    fs.rmSync(root, { recursive: true, force: true });
    console.log(`load average at end: ${load()}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
