/**
 * Inference rows (docs/design.md "Inference"): a new Inference linked to the checkpoints it samples,
 * and one shard's results — slices (mean label map, entropy and MI maps, image means, the policy's
 * decisions) and per-structure values — written in one transaction with an audit event. Like
 * write-shard.ts: one multi-row statement per table (the structure rows as column arrays through
 * INSERT … SELECT FROM unnest(…)), and exactly once — a transaction-scoped lock on (inference,
 * shard) and a check for existing rows make a retry or a concurrent second attempt write nothing.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Prisma } from '../db/generated/client';
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
      const slices = rows.map(({ sliceId, result }) => {
        const u = result.summary;
        return {
          id: crypto.randomUUID(),
          inferenceId,
          sliceId,
          shard: shard.shard,
          labelMap: packLabels(u.meanLabels),
          entropyMap: packNatsMap(u.entropyMap!),
          miMap: packNatsMap(u.miMap!),
          entropy: u.entropy,
          mi: u.mi,
          flagged: result.flagged,
          decisions: result.decisions ? (storedDecisions(result.decisions) as Prisma.InputJsonArray) : undefined,
        };
      });
      await tx.inferenceSlice.createMany({ data: slices });
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
          flagged: slices.filter((s) => s.flagged).length,
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
