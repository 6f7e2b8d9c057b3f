/**
 * Job: evaluate one shard of an evaluation's slices — distort (never seen in training), draw T
 * posterior samples (under test-time augmentation and a fitted temperature when the run asks for
 * them, engine/inference/method-samples.ts), compute every measure (engine), and write the shard (write-shard.ts).
 * A retried shard whose rows exist does nothing. The run succeeds with its last shard, once the
 * QC curves over all its (now final) rows are stored (store/evaluation-curves.ts).
 */
import crypto from 'node:crypto';
import { initBackend } from '../../engine/backend';
import { sliceStructureCounts } from '../../engine/clinical/structure-counts';
import { applyDistortion } from '../../engine/data/distortions';
import { evaluateSlice } from '../../engine/metrics/slice-evaluation';
import { argmaxLabels } from '../../engine/metrics/within-sample';
import { methodSamplesOfSlices } from '../../engine/inference/method-samples';
import { runConfig } from '../../domain/run-config';
import { NUM_CLASSES } from '../../engine/data/types';
import { modelOfRun } from '../../store/checkpoint-cache';
import { storeEvaluationCurves } from '../../store/evaluation-curves';
import { loadSlices } from '../../store/load-slices';
import { type ShardRow, writeShard } from '../../store/write-shard';
import type { JobHandler } from '../job-handler';
import type { QUEUES } from '../queues';
import { withRun } from '../run-lifecycle';

/** A 31-bit seed from the evaluation's seed and the slice, the same on every worker. */
export function sliceSeed(seed: number, sliceId: string): number {
  return crypto.createHash('sha256').update(`${seed}/${sliceId}`).digest().readUInt32LE(0) >>> 1;
}

/**
 * Slices sampled together: BBB and plain/ensemble passes are batched over them; their samples are
 * held at once (8 × T × H × W × 4 floats: ≈ 100 MB at T = 20 on 200² slices).
 */
const SAMPLING_CHUNK = 8;

/** S_t = argmax p_t of each sample, for storing the samples as label maps. */
function sampleLabelMaps(data: Float32Array, T: number, pixels: number): Uint8Array[] {
  const per = pixels * NUM_CLASSES;
  return Array.from({ length: T }, (_, t) => argmaxLabels(data.subarray(t * per, (t + 1) * per), pixels, NUM_CLASSES));
}

export const evaluateShard: JobHandler<typeof QUEUES.evaluateShard> = async (job, { store, config: appConfig }) => {
  const { runId, evaluationId, shard, sliceIds } = job.data;
  const evaluation = await store.evaluation.findUniqueOrThrow({ where: { id: evaluationId }, include: { run: true } });
  const config = runConfig(evaluation.run, 'EVALUATE');
  const total = config.slices;
  const backend = await initBackend(appConfig.backend);
  const allWritten = async () => (await store.prediction.count({ where: { evaluationId } })) >= total;
  // The job that finds every shard written settles the run; a second one finds the curves stored.
  const settle = async () => {
    if (!(await allWritten())) return false;
    await storeEvaluationCurves(store, { evaluationId, runId, actor: evaluation.run.createdBy });
    return true;
  };

  await withRun(store, runId, { backend, jobSignal: job.signal, complete: settle }, async (ctx) => {
    if ((await store.prediction.count({ where: { evaluationId, shard } })) > 0) return;
    const model = await modelOfRun(store, appConfig.dataDir, evaluation.trainingRunId);
    const slices = await loadSlices(store, { datasetId: evaluation.datasetId, ids: sliceIds });
    const seed = evaluation.run.seed ?? 0;
    const distortion = { kind: evaluation.distortionKind, level: evaluation.distortionLevel };
    const keepMaps = distortion.kind === 'NONE';
    const rows: ShardRow[] = [];
    const doneBefore = await store.prediction.count({ where: { evaluationId } });
    // Sampled a few slices at a time (methodSamplesOfSlices batches them), then measured one by one.
    for (let i0 = 0; i0 < slices.length; i0 += SAMPLING_CHUNK) {
      const chunk = slices.slice(i0, i0 + SAMPLING_CHUNK);
      const distorted = chunk.map((stored) => applyDistortion(stored, distortion, sliceSeed(seed, stored.id)));
      // One sampling seed for the whole evaluation: sample t is then one posterior draw across all
      // slices of a subject (coherent draws, engine/inference/sampling.ts).
      const drawn = methodSamplesOfSlices(model, distorted, evaluation.samples, {
        seed,
        testTimeAugmentation: config.testTimeAugmentation,
        temperature: config.temperatureScaling?.temperature,
      });
      for (const [j, slice] of distorted.entries()) {
        const samples = drawn[j];
        const [T, H, W] = samples.shape;
        const result = evaluateSlice(
          samples.data,
          { T, rows: H, cols: W, C: NUM_CLASSES },
          slice.label,
          slice.spacingMm,
          {
            bins: evaluation.calibrationBins,
            keepMaps,
          },
        );
        rows.push({
          sliceId: chunk[j].id,
          result,
          sampleLabels: evaluation.storeSamples ? sampleLabelMaps(samples.data, T, H * W) : [],
          // The truth compared with (distorted with the image): the biomarkers' ground truth.
          counts: sliceStructureCounts(result.meanLabels, result.sampleClassCounts, T, slice.label),
        });
        await ctx.progress({ fraction: (doneBefore + i0 + j + 1) / total, stage: `evaluating shard ${shard}` });
      }
    }

    await writeShard(store, { runId, evaluationId, shard, actor: evaluation.run.createdBy, backend, rows });
  });
};
