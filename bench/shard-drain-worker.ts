/**
 * A bench worker for `load.bench.ts`: consumes the real `evaluate-shard` pg-boss queue on the real
 * store and writes each shard through the real exactly-once writer (src/jobs/write-shard.ts), but
 * with synthetic slice results instead of the engine (so 1 000 shards drain in seconds, not hours).
 * Prints "ready", then on SIGTERM "attempts N" and exits.
 */
import { STRUCTURES } from '../src/engine/data/types';
import type { SliceEvaluation } from '../src/engine/metrics/slice-evaluation';
import { createStore } from '../src/db/client';
import { QUEUES, startBoss } from '../src/jobs/queues';
import { writeShard } from '../src/store/write-shard';

function syntheticResult(seed: number): SliceEvaluation {
  const x = (seed % 997) / 997;
  const structures = Object.fromEntries(
    STRUCTURES.map((s) => [
      s,
      {
        status: 'OK',
        dice: 0.8 + x / 10,
        assdMm: 1 + x,
        hdMm: 3 + x,
        hd95Mm: 2 + x,
        diceWithin: 0.9,
        assdWithinMm: 0.5,
        poor: x > 0.5,
      },
    ]),
  ) as unknown as SliceEvaluation['structures'];
  const count = Array.from({ length: 15 }, (_, i) => (i === 14 ? 200 : 4));
  return {
    meanLabels: new Uint8Array(256).fill(1),
    structures,
    nll: x,
    brier: x / 2,
    entropy: x,
    mi: x / 10,
    histogram: {
      bins: 15,
      count,
      sumConfidence: count.map((c, i) => (c * (i + 0.5)) / 15),
      sumCorrect: count.map((c) => Math.floor(c * 0.9)),
    },
  };
}

async function main() {
  const url = process.env.DATABASE_URL as string;
  const store = createStore(url);
  const boss = await startBoss(url);
  let attempts = 0;
  // pg-boss fetches once per polling interval (≥ 0.5 s) per slot: batches of 10 keep polling from
  // being what is measured. Every job of a batch is written on its own (its own transaction).
  await boss.work(
    QUEUES.evaluateShard,
    { batchSize: 10, localConcurrency: 2, pollingIntervalSeconds: 0.5 },
    async (jobs) => {
      for (const job of jobs) {
        attempts++;
        const { runId, evaluationId, shard, sliceIds } = job.data as {
          runId: string;
          evaluationId: string;
          shard: number;
          sliceIds: string[];
        };
        await writeShard(store, {
          runId,
          evaluationId,
          shard,
          actor: 'bench',
          backend: 'synthetic',
          rows: sliceIds.map((sliceId, i) => ({ sliceId, result: syntheticResult(shard * 31 + i), sampleLabels: [] })),
        });
      }
    },
  );
  console.log('ready');
  process.on('SIGTERM', async () => {
    await boss.stop({ graceful: true, timeout: 5000 });
    await store.$disconnect();
    console.log(`attempts ${attempts}`);
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
