/**
 * Job: evaluate one shard of an evaluation's slices — distort (never seen in training), draw T
 * posterior samples, compute every measure (engine), and write the shard's predictions and
 * metrics in one transaction. A retried shard whose rows exist writes nothing; a shard killed
 * midway left nothing (the transaction never committed). The run succeeds with its last shard.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { initBackend } from '../engine/backend';
import { applyDistortion } from '../engine/data/distortions';
import { evaluateSlice, METRIC_VERSION, type SliceEvaluation } from '../engine/metrics/slice-evaluation';
import { argmaxLabels } from '../engine/metrics/within-sample';
import { sampleProbabilities } from '../engine/training/sampling';
import { NUM_CLASSES, STRUCTURES } from '../engine/data/types';
import { appendAudit } from '../db/audit';
import { modelOfRun } from './checkpoint-cache';
import type { JobHandler } from './handlers';
import { loadSlices } from './load-slices';
import { packLabels, packNatsMap } from './map-codec';
import { withRun } from './run-lifecycle';

export interface EvaluateShardJob {
  runId: string;
  evaluationId: string;
  shard: number;
  sliceIds: string[];
}

/** A 31-bit seed from the evaluation's seed and the slice, the same on every worker. */
export function sliceSeed(seed: number, sliceId: string): number {
  return crypto.createHash('sha256').update(`${seed}/${sliceId}`).digest().readUInt32LE(0) >>> 1;
}

/** S_t = argmax p_t of each sample, for storing the samples as label maps. */
function sampleLabelMaps(data: Float32Array, T: number, pixels: number): Uint8Array[] {
  const per = pixels * NUM_CLASSES;
  return Array.from({ length: T }, (_, t) => argmaxLabels(data.subarray(t * per, (t + 1) * per), pixels, NUM_CLASSES));
}

export const evaluateShard: JobHandler = async (job, { store, config: appConfig }) => {
  const { runId, evaluationId, shard, sliceIds } = job.data as EvaluateShardJob;
  const evaluation = await store.evaluation.findUniqueOrThrow({ where: { id: evaluationId }, include: { run: true } });
  const total = (evaluation.run.config as { slices: number }).slices;
  const backend = await initBackend(appConfig.backend);
  const allWritten = async () => (await store.prediction.count({ where: { evaluationId } })) >= total;

  await withRun(store, runId, { backend, jobSignal: job.signal, complete: allWritten }, async (ctx) => {
    if ((await store.prediction.count({ where: { evaluationId, shard } })) > 0) return;
    const model = await modelOfRun(store, appConfig.dataDir, evaluation.trainingRunId);
    const slices = await loadSlices(store, { datasetId: evaluation.datasetId, ids: sliceIds });
    const seed = evaluation.run.seed ?? 0;
    const distortion = { kind: evaluation.distortionKind, level: evaluation.distortionLevel };
    const keepMaps = distortion.kind === 'NONE';
    const rows: Array<{ sliceId: string; result: SliceEvaluation; sampleLabels: Uint8Array[] }> = [];
    for (const [i, stored] of slices.entries()) {
      const s = sliceSeed(seed, stored.id);
      const slice = applyDistortion(stored, distortion, s);
      const samples = sampleProbabilities(model, slice, evaluation.samples, { seed: s });
      const [T, H, W] = samples.shape;
      const result = evaluateSlice(samples.data, { T, rows: H, cols: W, C: NUM_CLASSES }, slice.label, slice.spacingMm, {
        bins: evaluation.calibrationBins,
        keepMaps,
      });
      rows.push({ sliceId: stored.id, result, sampleLabels: evaluation.storeSamples ? sampleLabelMaps(samples.data, T, H * W) : [] });
      const done = (await store.prediction.count({ where: { evaluationId } })) + i + 1;
      await ctx.progress({ fraction: done / total, stage: `evaluating shard ${shard}` });
    }

    await store.$transaction(
      async (tx) => {
        // A concurrent attempt of the same shard may have committed meanwhile: then write nothing.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${evaluationId}), ${shard})`;
        if ((await tx.prediction.count({ where: { evaluationId, shard } })) > 0) return;
        const predictions = rows.map(({ sliceId, result }) => ({
          id: crypto.randomUUID(),
          evaluationId,
          sliceId,
          shard,
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
          actor: evaluation.run.createdBy,
          action: 'evaluation.shard.stored',
          entity: 'Evaluation',
          entityId: evaluationId,
          details: { runId, shard, predictions: predictions.map((p) => p.id), backend, host: os.hostname() },
        });
      },
      { timeout: 120000, maxWait: 60000 },
    );
  });
};
