/**
 * Writes one evaluation shard's results — predictions, per-structure and per-image metrics,
 * optional samples, and an audit event — in one transaction with batched inserts. Exactly once:
 * a transaction-scoped lock on (evaluation, shard) and a check for existing rows make a retry or
 * a concurrent second attempt write nothing; a shard killed midway never committed anything.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { DIGEST_VERSION, shardDigest } from '../db/result-digest';
import { STRUCTURES } from '../engine/data/types';
import { METRIC_VERSION, type SliceEvaluation } from '../engine/metrics/slice-evaluation';
import { packLabels, packNatsMap } from './map-codec';

export interface ShardRow {
  sliceId: string;
  result: SliceEvaluation;
  /** S_t per sample, when the evaluation stores samples. */
  sampleLabels: Uint8Array[];
}

export async function writeShard(
  store: Store,
  shard: { runId: string; evaluationId: string; shard: number; actor: string; backend: string; rows: ShardRow[] },
): Promise<boolean> {
  const { evaluationId, rows } = shard;
  return store.$transaction(
    async (tx) => {
      // A concurrent attempt of the same shard may have committed meanwhile: then write nothing.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${evaluationId}), ${shard.shard})`;
      if ((await tx.prediction.count({ where: { evaluationId, shard: shard.shard } })) > 0) return false;
      const predictions = rows.map(({ sliceId, result }) => ({
        id: crypto.randomUUID(),
        evaluationId,
        sliceId,
        shard: shard.shard,
        labelMap: packLabels(result.meanLabels),
        entropyMap: result.entropyMap ? packNatsMap(result.entropyMap) : null,
        miMap: result.miMap ? packNatsMap(result.miMap) : null,
      }));
      await tx.prediction.createMany({ data: predictions });
      await tx.structureMetric.createMany({
        data: rows.flatMap(({ result }, i) =>
          STRUCTURES.map((structure) => {
            const m = result.structures[structure];
            return {
              predictionId: predictions[i].id,
              evaluationId,
              structure,
              status: m.status,
              dice: m.dice,
              assdMm: m.assdMm,
              hdMm: m.hdMm,
              hd95Mm: m.hd95Mm,
              diceWithin: m.diceWithin,
              assdWithinMm: m.assdWithinMm,
              poor: m.poor,
              metricVersion: METRIC_VERSION,
            };
          }),
        ),
      });
      await tx.imageMetric.createMany({
        data: rows.map(({ result }, i) => ({
          predictionId: predictions[i].id,
          evaluationId,
          nll: result.nll,
          brier: result.brier,
          entropy: result.entropy,
          mi: result.mi,
          pixels: result.meanLabels.length,
          binCounts: result.histogram.count,
          binConfidenceSum: result.histogram.sumConfidence,
          binCorrect: result.histogram.sumCorrect,
          metricVersion: METRIC_VERSION,
        })),
      });
      const samples = rows.flatMap(({ sampleLabels }, i) =>
        sampleLabels.map((labels, t) => ({ predictionId: predictions[i].id, index: t, labelMap: packLabels(labels) })),
      );
      if (samples.length) await tx.sample.createMany({ data: samples });
      await appendAudit(tx, {
        actor: shard.actor,
        action: 'evaluation.shard.stored',
        entity: 'Evaluation',
        entityId: evaluationId,
        details: {
          runId: shard.runId,
          shard: shard.shard,
          predictions: predictions.map((p) => p.id),
          backend: shard.backend,
          host: os.hostname(),
          digest: await shardDigest(tx, evaluationId, shard.shard),
          digestVersion: DIGEST_VERSION,
        },
      });
      return true;
    },
    { timeout: 120000, maxWait: 60000 },
  );
}
