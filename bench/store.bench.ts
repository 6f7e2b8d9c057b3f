/**
 * Results-store figures at scale (issue 13 item 6), each with its baseline measured in the same run:
 * - a synthetic store of N predictions (3 N structure rows) over E evaluations, seeded in SQL
 *   (test/support/synthetic-results.ts: INSERT … SELECT over generate_series);
 * - p50/p95 over GraphQL (the API's schema, no HTTP) of `qcCurve(maxPoints: 1000) { auc reviewAt n
 *   points }` — of a settled evaluation, whose curves are stored as the job settling its run stores
 *   them (src/store/evaluation-curves.ts; the time that takes is printed), and of one still without
 *   them (the live query a running evaluation gets) — `summary` and `compare` of 5 evaluations, each
 *   over one evaluation's N / E slices, without intervals (the aggregates alone) and with them;
 * - ingestion through the shard writer (src/store/write-shard.ts: one transaction per shard, its
 *   metric rows as column arrays, an advisory lock, an existence check, the audit event with its
 *   digest) against row-at-a-time ORM inserts of the same rows.
 *
 *   npx tsx bench/store.bench.ts [--predictions 1000000] [--evaluations 20] [--shards 200] [--shard-size 16]
 *
 * Uses DATABASE_URL's server when set, else the machine's Postgres on 127.0.0.1:5432 (user
 * postgres), in a fresh database dropped at the end.
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { graphql } from 'graphql';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { createStore } from '../src/db/client';
import { applyMigrations } from '../src/db/migrate';
import { createRng } from '../src/engine/random';
import type { SliceEvaluation } from '../src/engine/metrics/slice-evaluation';
import { buildApiSchema } from '../src/resolvers';
import { storeEvaluationCurves } from '../src/store/evaluation-curves';
import { writeShard, type ShardRow } from '../src/store/write-shard';
import { seedSyntheticResults } from '../test/support/synthetic-results';

const { values } = parseArgs({
  options: {
    predictions: { type: 'string', default: '1000000' },
    evaluations: { type: 'string', default: '20' },
    shards: { type: 'string', default: '200' },
    'shard-size': { type: 'string', default: '16' },
  },
});
const PREDICTIONS = Number(values.predictions);
const EVALUATIONS = Number(values.evaluations);
const SHARDS = Number(values.shards);
const SHARD = Number(values['shard-size']);
const RUNS = 30;

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function syntheticResult(rng: ReturnType<typeof createRng>): SliceEvaluation {
  const structure = () => {
    const assd = rng.uniform() < 0.03 ? null : rng.range(0.2, 4);
    return {
      status: assd === null ? ('PRED_EMPTY' as const) : ('OK' as const),
      dice: rng.uniform(),
      assdMm: assd,
      hdMm: assd && assd * 3,
      hd95Mm: assd && assd * 2,
      diceWithin: rng.uniform(),
      assdWithinMm: rng.range(0, 2),
      poor: assd === null || assd > 1.5,
    };
  };
  const count = Array.from({ length: 15 }, () => Math.floor(rng.range(0, 100)));
  return {
    meanLabels: new Uint8Array(4),
    structures: { LV: structure(), MYO: structure(), RV: structure() },
    nll: rng.uniform(),
    brier: rng.uniform(),
    entropy: rng.uniform(),
    mi: rng.uniform() / 10,
    histogram: {
      bins: 15,
      count,
      sumConfidence: count.map((c, b) => (c * (b + 0.5)) / 15),
      sumCorrect: count.map((c) => Math.floor(c * 0.9)),
    },
  };
}

async function timed(label: string, run: () => Promise<unknown>, runs = RUNS) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await run();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${percentile(times, 0.5).toFixed(0)} ms, p95 ${percentile(times, 0.95).toFixed(0)} ms (${runs} runs)`,
  );
  return percentile(times, 0.95);
}

async function main() {
  const server = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const name = `cuq_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  const store = createStore(url.toString());
  try {
    const slices = Math.ceil(PREDICTIONS / EVALUATIONS);
    const version = (await store.$queryRaw<Array<{ v: string }>>`SELECT version() AS v`)[0].v.split(' on ')[0];
    console.log(
      `database: ${version} at ${server.host}/${name}; ${EVALUATIONS} evaluations × ${slices} slices = ${slices * EVALUATIONS} predictions, ${slices * EVALUATIONS * 3} structure rows`,
    );
    let t = performance.now();
    const seeded = await seedSyntheticResults(store, { slices, evaluations: EVALUATIONS, sliceCount: 10 });
    // A store at rest: autovacuum has set the visibility map (index-only scans need it) and the statistics.
    await store.$executeRawUnsafe('VACUUM (ANALYZE)');
    console.log(`seeded in SQL in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const schema = await buildApiSchema();
    const contextValue = {
      store,
      config: loadConfig({ ...process.env, CARDIAC_UQ_DATA_DIR: '/tmp' }),
      actor: 'bench',
      role: 'ANALYST',
    };
    const ask = async (source: string, variableValues: Record<string, unknown>) => {
      const result = await graphql({ schema, source, variableValues, contextValue: { ...contextValue } });
      if (result.errors) throw result.errors[0];
      return result.data;
    };
    const id = seeded.evaluationIds[0];
    t = performance.now();
    await storeEvaluationCurves(store, { evaluationId: id, runId: id, actor: 'bench' });
    console.log(
      `QC curves stored for a settled evaluation (12 curves over its ${slices} slices, with their audit event) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const curve = (evaluationId: string) => () =>
      ask(
        'query($id: ID!) { evaluation(id: $id) { qcCurve(structure: LV, measure: ENTROPY, maxPoints: 1000) { auc reviewAt n points { flagged remaining } } } }',
        { id: evaluationId },
      );
    const qc = await timed(
      `qcCurve(LV, ENTROPY, maxPoints: 1000) { auc reviewAt n points } over ${slices} LV rows of a ${slices * EVALUATIONS * 3}-row store, settled (stored curve)`,
      curve(id),
    );
    const live = await timed(
      `the same over an evaluation without stored curves (running: the live query)`,
      curve(seeded.evaluationIds[1]),
    );
    await timed(`summary (3 structures, ${slices * 3} rows)`, () =>
      ask('query($id: ID!) { evaluation(id: $id) { summary { structure n dice assd hd hd95 poorCount } } }', { id }),
    );
    const ids = seeded.evaluationIds.slice(0, 5);
    await timed(`compare of ${ids.length} evaluations (summary, calibration, entropy, MI each)`, () =>
      ask(
        'query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId structures { structure dice assd } calibration { ece nll brier } entropy mi } }',
        { ids },
      ),
    );
    await timed(
      `the same with every interval (Dice, ASSD, ECE, NLL, Brier, entropy, MI; 1 000 subject resamples)`,
      () =>
        ask(
          `query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId subjects
          structures { structure dice assd diceCi95 { low high } assdCi95 { low high } }
          calibration { ece nll brier eceCi95 { low high } nllCi95 { low high } brierCi95 { low high } }
          entropy entropyCi95 { low high } mi miCi95 { low high } } }`,
          { ids },
        ),
      // Seconds a call: fewer runs, so that the 1 M-prediction store finishes in minutes.
      10,
    );

    // Ingestion: a fresh evaluation over the same slices, SHARDS shards of 16 through the writer.
    const rng = createRng(1, 'bench-store');
    const sliceIds = (
      await store.slice.findMany({ select: { id: true }, orderBy: { id: 'asc' }, take: SHARDS * SHARD })
    ).map((s) => s.id);
    const newEvaluation = async () => {
      const run = await store.run.create({
        data: { kind: 'EVALUATE', config: {}, codeVersion: 'bench', createdBy: 'bench' },
      });
      return {
        run,
        evaluation: await store.evaluation.create({
          data: {
            runId: run.id,
            trainingRunId: seeded.trainingRunId,
            datasetId: seeded.datasetId,
            samples: 50,
            metricVersion: 1,
          },
        }),
      };
    };
    const target = await newEvaluation();
    t = performance.now();
    for (let shard = 0; shard * SHARD < sliceIds.length; shard++) {
      const rows: ShardRow[] = sliceIds
        .slice(shard * SHARD, (shard + 1) * SHARD)
        .map((sliceId) => ({ sliceId, result: syntheticResult(rng), sampleLabels: [] }));
      await writeShard(store, {
        runId: target.run.id,
        evaluationId: target.evaluation.id,
        shard,
        actor: 'bench',
        backend: 'none',
        rows,
      });
    }
    const rate = (sliceIds.length * 4) / ((performance.now() - t) / 1000);

    const baseline = await newEvaluation();
    const sample = sliceIds.slice(0, Math.min(400, sliceIds.length));
    t = performance.now();
    for (const sliceId of sample) {
      const r = syntheticResult(rng);
      const prediction = await store.prediction.create({
        data: { evaluationId: baseline.evaluation.id, sliceId, labelMap: new Uint8Array(4) },
      });
      for (const structure of ['LV', 'MYO', 'RV'] as const) {
        const m = r.structures[structure];
        await store.structureMetric.create({
          data: {
            predictionId: prediction.id,
            evaluationId: baseline.evaluation.id,
            structure,
            status: m.status,
            dice: m.dice,
            assdMm: m.assdMm,
            hdMm: m.hdMm,
            hd95Mm: m.hd95Mm,
            diceWithin: m.diceWithin,
            assdWithinMm: m.assdWithinMm,
            poor: m.poor,
            metricVersion: 1,
          },
        });
      }
      await store.imageMetric.create({
        data: {
          predictionId: prediction.id,
          evaluationId: baseline.evaluation.id,
          nll: r.nll,
          brier: r.brier,
          entropy: r.entropy,
          mi: r.mi,
          pixels: 4,
          binCounts: r.histogram.count,
          binConfidenceSum: r.histogram.sumConfidence,
          binCorrect: r.histogram.sumCorrect,
          metricVersion: 1,
        },
      });
    }
    const baselineRate = (sample.length * 4) / ((performance.now() - t) / 1000);
    console.log(
      `ingestion through the shard writer: ${sliceIds.length * 4} metric rows (${sliceIds.length / SHARD} shards of ${SHARD} slices, audit event and digest each) at ${Math.round(rate)} metric rows/s (target ≥ 5000); row-at-a-time ORM inserts ${Math.round(baselineRate)} rows/s → ${(rate / baselineRate).toFixed(1)}×`,
    );
    console.log(
      `targets: QC curve p95 ${qc.toFixed(0)} ms settled, ${live.toFixed(0)} ms live (≤ 300 ms: ${qc <= 300 ? 'met' : 'missed'} settled, ${live <= 300 ? 'met' : 'missed'} live); ingestion ${Math.round(rate)} rows/s (≥ 5000: ${rate >= 5000 ? 'met' : 'missed'})`,
    );
  } finally {
    await store.$disconnect();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
