/**
 * Results-store figures (issue 5), each with a baseline measured in the same run:
 * - ingestion of metric rows through the evaluation job's own write path (src/jobs/write-shard.ts:
 *   one transaction and batched inserts per shard) vs row-at-a-time ORM inserts;
 * - a QC-curve GraphQL query over an evaluation of 100 000 structure-metric rows vs loading every
 *   row through the ORM and computing the curve in JS.
 *
 *   npx tsx bench/store.bench.ts [slices=33334]
 *
 * Uses DATABASE_URL when set, else an embedded Postgres in a temporary folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { graphql } from 'graphql';
import { loadConfig } from '../src/config';
import { createStore } from '../src/db/client';
import { openDatabase } from '../src/db/database';
import { createRng } from '../src/engine/random';
import type { LabeledSlice, Subject } from '../src/engine/data/types';
import type { SliceEvaluation } from '../src/engine/metrics/slice-evaluation';
import { qcCurve } from '../src/engine/metrics/qc-curve';
import { startBoss } from '../src/jobs/queues';
import { storeDataset } from '../src/store/store-dataset';
import { writeShard, type ShardRow } from '../src/store/write-shard';
import { buildApiSchema } from '../src/resolvers';

const SLICES = Number(process.argv[2] ?? 33334);
const SLICES_PER_SUBJECT = 34;
const SHARD = 16;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function syntheticResult(rng: ReturnType<typeof createRng>): SliceEvaluation {
  const structure = () => {
    const assd = rng.uniform() < 0.03 ? null : rng.range(0.2, 4);
    return { status: assd === null ? ('PRED_EMPTY' as const) : ('OK' as const), dice: rng.uniform(), assdMm: assd, hdMm: assd && assd * 3, hd95Mm: assd && assd * 2, diceWithin: rng.uniform(), assdWithinMm: rng.range(0, 2), poor: assd === null || assd > 1.5 };
  };
  const count = Array.from({ length: 15 }, () => Math.floor(rng.range(0, 100)));
  return {
    meanLabels: new Uint8Array(4),
    structures: { LV: structure(), MYO: structure(), RV: structure() },
    nll: rng.uniform(), brier: rng.uniform(), entropy: rng.uniform(), mi: rng.uniform() / 10,
    histogram: { bins: 15, count, sumConfidence: count.map((c, b) => (c * (b + 0.5)) / 15), sumCorrect: count.map((c) => Math.floor(c * 0.9)) },
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-bench-store-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ ...process.env, CARDIAC_UQ_DATA_DIR: dataDir });
  const database = await openDatabase(config);
  const store = createStore(database.url);
  const boss = await startBoss(database.url);
  try {
    console.log(`database: ${database.description}; ${SLICES} slices → ${SLICES * 3} structure-metric rows`);
    const rng = createRng(1, 'bench-store');
    const subjects: Subject[] = [];
    for (let s = 0; s * SLICES_PER_SUBJECT < SLICES; s++) {
      const n = Math.min(SLICES_PER_SUBJECT, SLICES - s * SLICES_PER_SUBJECT);
      const slices: LabeledSlice[] = Array.from({ length: n }, (_, z) => ({
        rows: 2, cols: 2, spacingMm: [1.8, 1.8], image: new Float32Array([z, 1, 2, 3]), label: new Uint8Array([0, 1, 2, 3]),
        subjectId: `s${s}`, phase: 'ED', sliceIndex: z, sliceCount: n, position: z / Math.max(1, n - 1),
      }));
      subjects.push({ id: `s${s}`, site: 'A', group: 'NOR', split: 'TEST', slices });
    }
    const datasetRun = await store.run.create({ data: { kind: 'DATASET', config: {}, codeVersion: 'bench', createdBy: 'bench' } });
    const datasetId = await storeDataset(store, { name: 'bench', source: 'PHANTOM', site: 'A', subjects, createdBy: 'bench', runId: datasetRun.id });
    const training = await store.run.create({ data: { kind: 'TRAIN', method: 'MC_DROPOUT', status: 'SUCCEEDED', config: {}, codeVersion: 'bench', createdBy: 'bench' } });
    const evalRun = await store.run.create({ data: { kind: 'EVALUATE', config: {}, codeVersion: 'bench', createdBy: 'bench' } });
    const evaluation = await store.evaluation.create({
      data: { runId: evalRun.id, trainingRunId: training.id, datasetId, samples: 50, metricVersion: 1 },
    });
    const sliceIds = (await store.slice.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);

    const t0 = performance.now();
    for (let shard = 0; shard * SHARD < sliceIds.length; shard++) {
      const rows: ShardRow[] = sliceIds.slice(shard * SHARD, (shard + 1) * SHARD).map((sliceId) => ({ sliceId, result: syntheticResult(rng), sampleLabels: [] }));
      await writeShard(store, { runId: evalRun.id, evaluationId: evaluation.id, shard, actor: 'bench', backend: 'none', rows });
    }
    const seconds = (performance.now() - t0) / 1000;
    const metricRows = sliceIds.length * 4; // 3 structure rows + 1 image row per slice
    const rate = metricRows / seconds;

    // Baseline: the same rows one ORM insert at a time, each its own transaction, on a sample.
    const baselineRun = await store.run.create({ data: { kind: 'EVALUATE', config: {}, codeVersion: 'bench', createdBy: 'bench' } });
    const baselineEval = await store.evaluation.create({ data: { runId: baselineRun.id, trainingRunId: training.id, datasetId, samples: 50, metricVersion: 1 } });
    const sample = sliceIds.slice(0, Math.min(400, sliceIds.length));
    const t1 = performance.now();
    for (const sliceId of sample) {
      const r = syntheticResult(rng);
      const prediction = await store.prediction.create({ data: { evaluationId: baselineEval.id, sliceId, labelMap: new Uint8Array(4) } });
      for (const structure of ['LV', 'MYO', 'RV'] as const) {
        const m = r.structures[structure];
        await store.structureMetric.create({ data: { predictionId: prediction.id, evaluationId: baselineEval.id, structure, status: m.status, dice: m.dice, assdMm: m.assdMm, hdMm: m.hdMm, hd95Mm: m.hd95Mm, diceWithin: m.diceWithin, assdWithinMm: m.assdWithinMm, poor: m.poor, metricVersion: 1 } });
      }
      await store.imageMetric.create({ data: { predictionId: prediction.id, evaluationId: baselineEval.id, nll: r.nll, brier: r.brier, entropy: r.entropy, mi: r.mi, pixels: 4, binCounts: r.histogram.count, binConfidenceSum: r.histogram.sumConfidence, binCorrect: r.histogram.sumCorrect, metricVersion: 1 } });
    }
    const baselineRate = (sample.length * 4) / ((performance.now() - t1) / 1000);
    console.log(`ingestion: ${metricRows} metric rows (+${sliceIds.length} predictions) in ${seconds.toFixed(1)} s = ${Math.round(rate)} metric rows/s (target ≥ 2000), shards of ${SHARD} slices, one transaction each; row-at-a-time baseline ${Math.round(baselineRate)} rows/s → ${(rate / baselineRate).toFixed(1)}×`);

    const schema = await buildApiSchema();
    const context = { store, boss, config, databaseDescription: database.description, backend: 'none', actor: 'bench' };
    const source = `{ evaluation(id: "${evaluation.id}") { qcCurve(structure: LV, measure: ENTROPY) { auc reviewAt n points { flagged remaining } } } }`;
    const timings: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      const result = await graphql({ schema, source, contextValue: context });
      if (result.errors) throw result.errors[0];
      timings.push(performance.now() - s);
    }
    timings.sort((a, b) => a - b);
    const naive: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      const rows = await store.structureMetric.findMany({ where: { evaluationId: evaluation.id, structure: 'LV' }, include: { prediction: { include: { image: true } } } });
      qcCurve(rows.map((r) => r.prediction.image!.entropy), rows.map((r) => r.poor));
      naive.push(performance.now() - s);
    }
    naive.sort((a, b) => a - b);
    console.log(`QC-curve query over ${sliceIds.length * 3} structure rows (LV curve: ${sliceIds.length} slices): p50 ${percentile(timings, 0.5).toFixed(0)} ms, p95 ${percentile(timings, 0.95).toFixed(0)} ms (target p95 ≤ 200 ms); naive ORM load + JS curve: p50 ${percentile(naive, 0.5).toFixed(0)} ms → ${(percentile(naive, 0.5) / percentile(timings, 0.5)).toFixed(1)}× slower`);
  } finally {
    await boss.stop({ graceful: false });
    await store.$disconnect();
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
