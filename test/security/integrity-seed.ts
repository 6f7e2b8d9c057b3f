/**
 * A small store written through the platform's own writers (dataset via storeDataset, shards via
 * writeShard, checkpoint as the training job stores it), so every result carries the digest its
 * writer records, plus a few plain audit events; and the hostile moves of someone with database
 * owner rights: SQL with triggers bypassed, and re-hashing the audit chain.
 */
import pg from 'pg';
import { appendAudit, audit, eventHash } from '../../src/db/audit';
import { checkpointDigest, DIGEST_VERSION } from '../../src/db/result-digest';
import { createStore } from '../../src/db/client';
import type { Subject } from '../../src/engine/data/types';
import type { SliceEvaluation } from '../../src/engine/metrics/slice-evaluation';
import { storeDataset } from '../../src/store/store-dataset';
import { writeShard } from '../../src/store/write-shard';

export async function sql(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** As a superuser who switches triggers (and foreign keys) off for the session. */
export async function bypassed(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

function subject(id: string, split: 'TRAIN' | 'TEST', seed: number): Subject {
  const slices = [0, 1, 2].map((z) => {
    const image = new Float32Array(16).map((_, i) => Math.sin(seed + z * 16 + i));
    const label = new Uint8Array(16).map((_, i) => (i + z + seed) % 4);
    return {
      rows: 4,
      cols: 4,
      spacingMm: [1.5, 1.25] as const,
      image,
      label,
      subjectId: id,
      phase: 'ED' as const,
      sliceIndex: z,
      sliceCount: 3,
      position: z / 2,
    };
  });
  return { id, site: 'A', group: 'NOR', split, slices };
}

function sliceEvaluation(k: number, withMaps: boolean): SliceEvaluation {
  const structure = (s: number) => ({
    status: 'OK' as const,
    dice: 0.1 + 0.2 + s / 3 + k * 1e-9,
    assdMm: s === 2 ? null : 1 / 7 + k,
    hdMm: 3.25,
    hd95Mm: 2.5,
    diceWithin: 0.875,
    assdWithinMm: 0.3,
    poor: s === 1,
  });
  return {
    meanLabels: new Uint8Array(16).map((_, i) => (i + k) % 4),
    structures: { LV: structure(0), MYO: structure(1), RV: structure(2) },
    nll: 0.123456789012345 + k,
    brier: 1e-300,
    entropy: Math.PI,
    mi: 0,
    histogram: { bins: 3, count: [5, 6, 5], sumConfidence: [0.1 + 0.2, 2.5, 4.75 + k], sumCorrect: [1, 4, 5] },
    ...(withMaps ? { entropyMap: new Float64Array(16).fill(0.5), miMap: new Float64Array(16).fill(0.01) } : {}),
  };
}

export interface Seeded {
  datasetId: string;
  evaluationId: string;
  checkpointId: string;
  trainingRunId: string;
  sliceIds: string[];
  /** Predictions of shard 0 (stored with samples) and shard 1. */
  shards: string[][];
}

export async function seedStore(url: string): Promise<Seeded> {
  const store = createStore(url);
  try {
    const datasetRun = await store.run.create({
      data: { kind: 'DATASET', config: {}, codeVersion: 'test', createdBy: 'alice' },
    });
    const datasetId = await storeDataset(store, {
      name: `d-${datasetRun.id}`,
      source: 'PHANTOM',
      site: 'A',
      generatorParams: { seed: 1 },
      subjects: [subject('p1', 'TRAIN', 1), subject('p2', 'TEST', 2)],
      createdBy: 'alice',
      runId: datasetRun.id,
    });
    const training = await store.run.create({
      data: {
        kind: 'TRAIN',
        method: 'PLAIN',
        config: { preset: 'tiny' },
        seed: 1,
        codeVersion: 'test',
        createdBy: 'alice',
        datasetId,
      },
    });
    // As the training job stores a checkpoint: epochs, the checkpoint and its digest in one transaction.
    const checkpointId = await store.$transaction(async (tx) => {
      await tx.trainingEpoch.createMany({
        data: [1, 2].map((epoch) => ({
          runId: training.id,
          member: 0,
          epoch,
          trainLoss: 1 / epoch,
          valNll: 0.5 / epoch,
          seconds: 1.5,
        })),
      });
      const c = await tx.checkpoint.create({
        data: {
          runId: training.id,
          epoch: 2,
          valNll: 0.25,
          weightsSha256: 'ab'.repeat(32),
          weights: Buffer.from([1, 2, 3, 4]),
          config: { lr: 0.001 },
          backend: 'cpu',
          layerStats: { sigma: null },
        },
      });
      await appendAudit(tx, {
        actor: 'alice',
        action: 'checkpoint.stored',
        entity: 'Checkpoint',
        entityId: c.id,
        details: { runId: training.id, digest: await checkpointDigest(tx, c.id), digestVersion: DIGEST_VERSION },
      });
      return c.id;
    });
    const evalRun = await store.run.create({
      data: {
        kind: 'EVALUATE',
        method: 'PLAIN',
        config: {},
        seed: 2,
        codeVersion: 'test',
        createdBy: 'alice',
        datasetId,
      },
    });
    const evaluation = await store.evaluation.create({
      data: {
        runId: evalRun.id,
        trainingRunId: training.id,
        datasetId,
        split: 'TEST',
        samples: 2,
        storeSamples: true,
        calibrationBins: 3,
        metricVersion: 1,
      },
    });
    await store.evaluationCheckpoint.create({ data: { evaluationId: evaluation.id, checkpointId } });
    const slices = await store.slice.findMany({
      where: { subject: { datasetId } },
      orderBy: [{ subject: { externalId: 'asc' } }, { sliceIndex: 'asc' }],
      select: { id: true },
    });
    const sliceIds = slices.map((s) => s.id);
    for (const shard of [0, 1]) {
      const rows = sliceIds.slice(shard * 3, shard * 3 + 3).map((sliceId, i) => ({
        sliceId,
        result: sliceEvaluation(shard * 3 + i, shard === 0),
        sampleLabels: shard === 0 ? [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)] : [],
      }));
      await writeShard(store, {
        runId: evalRun.id,
        evaluationId: evaluation.id,
        shard,
        actor: 'alice',
        backend: 'cpu',
        rows,
      });
    }
    for (let i = 0; i < 3; i++)
      await audit(store, {
        actor: `actor-${i}`,
        action: 'test.event',
        entity: 'Run',
        entityId: evalRun.id,
        details: { i, note: 'x'.repeat(i) },
      });
    const predictions = await store.prediction.findMany({
      where: { evaluationId: evaluation.id },
      orderBy: { id: 'asc' },
      select: { id: true, shard: true },
    });
    const shards = [0, 1].map((s) => predictions.filter((p) => p.shard === s).map((p) => p.id));
    return { datasetId, evaluationId: evaluation.id, checkpointId, trainingRunId: training.id, sliceIds, shards };
  } finally {
    await store.$disconnect();
  }
}

/**
 * The attack a database superuser without the audit key can make: after editing event `fromSeq`,
 * recompute every link from there on with the published algorithm (plain SHA-256, or HMAC under a
 * key the attacker guesses), optionally dropping the key ids so the events look unkeyed.
 */
export async function rehashFrom(url: string, fromSeq: number, options: { dropKeyId?: boolean; secret?: Buffer } = {}) {
  // Read through Prisma: pg would parse the timestamps (without time zone) in local time.
  const store = createStore(url);
  const rows = await store.auditEvent.findMany({ where: { seq: { gte: fromSeq } }, orderBy: { seq: 'asc' } });
  const before = await store.auditEvent.findFirst({ where: { seq: { lt: fromSeq } }, orderBy: { seq: 'desc' } });
  await store.$disconnect();
  let prevHash: string = before?.hash ?? '0'.repeat(64);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    for (const row of rows) {
      const keyId = options.dropKeyId ? null : row.keyId;
      const hash = eventHash({ ...row, prevHash, keyId }, options.secret);
      await client.query('UPDATE "AuditEvent" SET "prevHash" = $1, hash = $2, "keyId" = $3 WHERE seq = $4', [
        prevHash,
        hash,
        keyId,
        row.seq.toString(),
      ]);
      prevHash = hash;
    }
  } finally {
    await client.end();
  }
}
