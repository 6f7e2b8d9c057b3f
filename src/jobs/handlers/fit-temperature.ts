/**
 * Job: fit a training run's temperature (docs/design.md "Temperature scaling") — draw the model's
 * posterior samples of every validation slice (the seed of the CALIBRATE run, coherent draws as in
 * evaluations), pool the pixels of every sample with their labels, minimise the NLL over T
 * (engine/calibration/temperature-scaling.ts) and write one TemperatureFit row with its audit event.
 * One job per run; a retried job whose row exists does nothing.
 */
import { initBackend } from '../../engine/backend';
import { fitTemperature as fitOnSet } from '../../engine/calibration/temperature-scaling';
import { NUM_CLASSES } from '../../engine/data/types';
import { sampleProbabilities } from '../../engine/inference/sampling';
import { appendAudit } from '../../db/audit';
import { runConfig } from '../../domain/run-config';
import { modelOfRun } from '../../store/checkpoint-cache';
import { loadSlices } from '../../store/load-slices';
import type { JobHandler } from '../job-handler';
import type { QUEUES } from '../queues';
import { withRun } from '../run-lifecycle';

/**
 * Most pixel-samples the NLL pools (16 MiB of float32 probabilities at C = 4); beyond it every k-th
 * pixel-sample is kept, k the smallest stride that fits, so the fit is the same on every worker.
 */
export const MAX_FIT_PIXELS = 2 ** 20;

export const fitTemperature: JobHandler<typeof QUEUES.fitTemperature> = async (job, { store, config: appConfig }) => {
  const { runId } = job.data;
  const run = await store.run.findUniqueOrThrow({ where: { id: runId } });
  const config = runConfig(run, 'CALIBRATE');
  const backend = await initBackend(appConfig.backend);
  await withRun(store, runId, { backend, jobSignal: job.signal }, async (ctx) => {
    if (await store.temperatureFit.findUnique({ where: { runId } })) return;
    const model = await modelOfRun(store, appConfig.dataDir, config.trainingRunId);
    const slices = await loadSlices(store, { datasetId: config.datasetId, splits: ['VAL'] });
    const seed = run.seed ?? 0;
    const total = slices.reduce((n, s) => n + s.rows * s.cols * config.samples, 0);
    const stride = Math.ceil(total / MAX_FIT_PIXELS);
    const kept = Math.ceil(total / stride);
    const probs = new Float32Array(kept * NUM_CLASSES);
    const labels = new Uint8Array(kept);
    let [k, n] = [0, 0];
    for (const [i, slice] of slices.entries()) {
      const { data, shape } = sampleProbabilities(model, slice, config.samples, { seed });
      const pixels = shape[1] * shape[2];
      for (let t = 0; t < shape[0]; t++)
        for (let p = 0; p < pixels; p++, k++) {
          if (k % stride !== 0) continue;
          probs.set(data.subarray((t * pixels + p) * NUM_CLASSES, (t * pixels + p + 1) * NUM_CLASSES), n * NUM_CLASSES);
          labels[n++] = slice.label[p];
        }
      await ctx.progress({ fraction: (0.9 * (i + 1)) / slices.length, stage: 'sampling validation slices' });
    }
    const fit = fitOnSet({
      probs: probs.subarray(0, n * NUM_CLASSES),
      labels: labels.subarray(0, n),
      classes: NUM_CLASSES,
    });
    await store.$transaction(async (tx) => {
      const row = await tx.temperatureFit.create({
        data: {
          runId,
          trainingRunId: config.trainingRunId,
          temperature: fit.temperature,
          valNllBefore: fit.nllBefore,
          valNllAfter: fit.nllAfter,
          slices: slices.length,
          pixels: n,
          samples: config.samples,
          createdBy: run.createdBy,
          codeVersion: run.codeVersion,
        },
      });
      await appendAudit(tx, {
        actor: run.createdBy,
        action: 'temperature.fitted',
        entity: 'TemperatureFit',
        entityId: row.id,
        details: {
          runId,
          trainingRunId: config.trainingRunId,
          temperature: fit.temperature,
          valNllBefore: fit.nllBefore,
          valNllAfter: fit.nllAfter,
          pixels: n,
          backend,
        },
      });
    });
  });
};
