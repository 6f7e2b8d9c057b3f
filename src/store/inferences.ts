/**
 * Inference rows (docs/design.md "Inference"): a new Inference linked to the checkpoints it samples,
 * and one shard's results — slices (mean label map, entropy and MI maps, image means, the policy's
 * decisions) and per-structure values — written in one transaction with an audit event. Like
 * write-shard.ts: one multi-row statement per table (column arrays through INSERT … SELECT FROM
 * unnest(…), floats as exact text), and exactly once — a transaction-scoped lock on (inference,
 * shard) and a check for existing rows make a retry or a concurrent second attempt write nothing;
 * a shard killed midway never committed anything.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { DIGEST_VERSION, inferenceShardDigest } from '../db/result-digest';
import { storedDecisions } from '../domain/policy-rules';
import { STRUCTURES } from '../engine/data/types';
import type { SliceInference } from '../engine/inference/slice-inference';
import { packLabels, packNatsMap } from './map-codec';
import { LAUNCH_TX } from './runs';

type Tx = Parameters<Parameters<Store['$transaction']>[0]>[0];

export interface NewInference {
  runId: string;
  trainingRunId: string;
  checkpointIds: string[];
  datasetId: string;
  policyId: string | null;
  samples: number;
}

export async function createInference(store: Store, actor: string, i: NewInference) {
  return store.$transaction(async (tx) => {
    const created = await tx.inference.create({
      data: {
        runId: i.runId,
        trainingRunId: i.trainingRunId,
        datasetId: i.datasetId,
        policyId: i.policyId,
        samples: i.samples,
        checkpoints: { create: i.checkpointIds.map((checkpointId) => ({ checkpointId })) },
      },
    });
    await appendAudit(tx, {
      actor,
      action: 'inference.created',
      entity: 'Inference',
      entityId: created.id,
      details: {
        runId: i.runId,
        trainingRunId: i.trainingRunId,
        checkpoints: i.checkpointIds,
        datasetId: i.datasetId,
        policyId: i.policyId,
        samples: i.samples,
      },
    });
    return created;
  }, LAUNCH_TX);
}

export interface InferenceShardRow {
  sliceId: string;
  result: SliceInference;
}

export async function writeInferenceShard(
  store: Store,
  shard: {
    runId: string;
    inferenceId: string;
    shard: number;
    actor: string;
    backend: string;
    rows: InferenceShardRow[];
  },
): Promise<boolean> {
  const { inferenceId, rows } = shard;
  return store.$transaction(
    async (tx) => {
      // A concurrent attempt of the same shard may have committed meanwhile: then write nothing.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${inferenceId}), ${shard.shard})`;
      if ((await tx.inferenceSlice.count({ where: { inferenceId, shard: shard.shard } })) > 0) return false;
      const slices = rows.map(({ sliceId, result }) => ({ id: crypto.randomUUID(), sliceId, result }));
      await insertSlices(tx, inferenceId, shard.shard, slices);
      await insertStructures(
        tx,
        inferenceId,
        rows,
        slices.map((s) => s.id),
      );
      await appendAudit(tx, {
        actor: shard.actor,
        action: 'inference.shard.stored',
        entity: 'Inference',
        entityId: inferenceId,
        details: {
          runId: shard.runId,
          shard: shard.shard,
          slices: slices.map((s) => s.id),
          flagged: slices.filter((s) => s.result.flagged).length,
          backend: shard.backend,
          host: os.hostname(),
          digest: await inferenceShardDigest(tx, inferenceId, shard.shard),
          digestVersion: DIGEST_VERSION,
        },
      });
      return true;
    },
    { timeout: 120000, maxWait: 60000 },
  );
}

/** Floats as their shortest round-trip text, as write-shard.ts sends them (exact through the adapter). */
const floats = (values: Array<number | null>) => values.map((v) => (v === null ? null : String(v)));

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * The slice rows in one statement. Not createMany: its float parameters lose the last digit
 * through the driver adapter, and the image means must equal the values the decisions read.
 * Maps travel as base64 text, decisions as JSON text.
 */
async function insertSlices(
  tx: Tx,
  inferenceId: string,
  shard: number,
  slices: Array<{ id: string; sliceId: string; result: SliceInference }>,
) {
  const column = <V>(f: (row: (typeof slices)[number]) => V) => slices.map(f);
  const u = (row: (typeof slices)[number]) => row.result.summary;
  await tx.$executeRaw`
    INSERT INTO "InferenceSlice" (id, "inferenceId", "sliceId", shard, "labelMap", "entropyMap", "miMap", entropy, mi, flagged, decisions)
    SELECT u.id, ${inferenceId}::uuid, u.slice, ${shard}::int, decode(u.lm, 'base64'), decode(u.em, 'base64'), decode(u.mm, 'base64'),
      u.e, u.m, u.f, u.d
    FROM unnest(${column((r) => r.id)}::uuid[], ${column((r) => r.sliceId)}::uuid[],
      ${column((r) => base64(packLabels(u(r).meanLabels)))}::text[], ${column((r) => base64(packNatsMap(u(r).entropyMap!)))}::text[],
      ${column((r) => base64(packNatsMap(u(r).miMap!)))}::text[],
      ${floats(column((r) => u(r).entropy))}::text[]::float8[], ${floats(column((r) => u(r).mi))}::text[]::float8[],
      ${column((r) => r.result.flagged)}::bool[],
      ${column((r) => (r.result.decisions ? JSON.stringify(storedDecisions(r.result.decisions)) : null))}::text[]::jsonb[])
      AS u(id, slice, lm, em, mm, e, m, f, d)`;
}

/** Per-sample pixel counts travel flattened, T values a row, and are cut back per row. */
async function insertStructures(tx: Tx, inferenceId: string, rows: InferenceShardRow[], sliceIds: string[]) {
  const T = rows[0]?.result.samplePixels.length ?? 0;
  if (rows.some((r) => r.result.samplePixels.length !== T))
    throw new RangeError(`every slice of a shard needs ${T} samples`);
  const items = rows.flatMap(({ result }, i) =>
    STRUCTURES.map((structure) => ({ id: sliceIds[i], structure, result })),
  );
  const column = <V>(f: (row: (typeof items)[number]) => V) => items.map(f);
  await tx.$executeRaw`
    INSERT INTO "InferenceStructure" ("inferenceSliceId", "inferenceId", structure, "diceWithin", "assdWithinMm", pixels, "samplePixels")
    SELECT u.id, ${inferenceId}::uuid, u.structure::"Structure", u.dw, u.aw, u.px,
      c.v[(u.i - 1) * ${T}::int + 1 : u.i * ${T}::int]
    FROM unnest(${column((r) => r.id)}::uuid[], ${column((r) => r.structure)}::text[],
      ${floats(column((r) => r.result.summary.structures[r.structure].diceWithin))}::text[]::float8[],
      ${floats(column((r) => r.result.summary.structures[r.structure].assdWithinMm))}::text[]::float8[],
      ${column((r) => r.result.pixels[r.structure])}::int[])
      WITH ORDINALITY AS u(id, structure, dw, aw, px, i),
      (SELECT ${items.flatMap((r) => r.result.samplePixels.map((c) => c[r.structure]))}::int[] AS v) c`;
}
