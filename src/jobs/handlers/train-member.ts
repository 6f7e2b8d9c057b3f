/**
 * Job: train one network of a training run — the model of a plain / MC Dropout / BBB run, or one
 * member of a Deep Ensemble (members are separate jobs so many workers train them at once).
 *
 * Resumes from the local `last/` state when a retry lands on the same machine; stores the best
 * checkpoint (zip) with its SHA-256 and layer statistics, one row per (run, member), and the
 * epoch history. The run succeeds when every member's checkpoint is stored.
 */
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../engine/backend';
import { loadSlices } from '../../store/load-slices';
import { trainSingleInThread } from '../../engine/training';
import { presetAugmenter } from '../../engine/training/augmentation';
import { appendAudit } from '../../db/audit';
import { DIGEST_VERSION, checkpointDigest } from '../../db/result-digest';
import { jsonObject } from '../../db/json';
import { runConfig } from '../../domain/run-config';
import { packCheckpoint } from '../../store/checkpoint-archive';
import type { JobHandler } from '../job-handler';
import type { QUEUES } from '../queues';
import { withRun } from '../run-lifecycle';

export const trainMember: JobHandler<typeof QUEUES.trainMember> = async (job, { store, config: appConfig }) => {
  const { runId, member } = job.data;
  const run = await store.run.findUniqueOrThrow({ where: { id: runId } });
  const trainConfig = runConfig(run, 'TRAIN');
  const members = trainConfig.method === 'ensemble' ? (trainConfig.members ?? 1) : 1;
  const backend = await initBackend(appConfig.backend);
  const allStored = async () => (await store.checkpoint.count({ where: { runId } })) >= members;

  await withRun(store, runId, { backend, jobSignal: job.signal, complete: allStored }, async (ctx) => {
    if (await store.checkpoint.findUnique({ where: { runId_member: { runId, member } }, select: { id: true } })) return;
    await ctx.progress({ fraction: 0, stage: `member ${member}: loading data` }, true);
    const slices = await loadSlices(store, { datasetId: trainConfig.datasetId, splits: ['TRAIN', 'VAL'] });
    const data = {
      train: slices.filter((s) => s.split === 'TRAIN'),
      val: slices.filter((s) => s.split === 'VAL'),
    };
    const outDir = path.join(appConfig.dataDir, 'work', runId, `member-${member}`);
    let progressError: unknown;
    // In a thread: this process's evaluation shards keep their event loop meanwhile.
    const result = await trainSingleInThread(trainConfig, data, {
      outDir,
      resumeFrom: outDir,
      member: trainConfig.method === 'ensemble' ? member : undefined,
      augment: presetAugmenter(trainConfig.preset),
      signal: ctx.signal,
      onProgress: (p) => {
        const doneMembers = (member + (p.epoch - 1 + p.step / p.stepsPerEpoch) / p.epochs) / members;
        ctx
          .progress({
            fraction: members > 1 ? doneMembers : (p.epoch - 1 + p.step / p.stepsPerEpoch) / p.epochs,
            stage: `member ${member}: epoch ${p.epoch}/${p.epochs}`,
            etaSeconds: p.etaSeconds,
          })
          .catch((error) => (progressError = error));
      },
    });
    if (progressError) throw progressError;
    const best = result.best;
    const archive = packCheckpoint(outDir);
    await store.$transaction(async (tx) => {
      await tx.trainingEpoch.createMany({
        data: result.history.map((e) => ({
          runId,
          member,
          epoch: e.epoch,
          trainLoss: e.loss,
          valNll: e.valNll,
          seconds: e.seconds,
        })),
        skipDuplicates: true,
      });
      const checkpoint = await tx.checkpoint.create({
        data: {
          runId,
          member,
          epoch: best.epoch,
          valNll: best.valNll,
          weightsSha256: best.weightsSha256,
          weights: archive,
          path: outDir,
          config: jsonObject(best),
          backend: best.backend,
          layerStats: jsonObject({ sigma: best.sigmaStats ?? null, dropout: best.dropoutRates ?? null }),
        },
      });
      await appendAudit(tx, {
        actor: run.createdBy,
        action: 'checkpoint.stored',
        entity: 'Checkpoint',
        entityId: checkpoint.id,
        details: {
          runId,
          member,
          epoch: best.epoch,
          valNll: best.valNll,
          weightsSha256: best.weightsSha256,
          backend: best.backend,
          host: os.hostname(),
          digest: await checkpointDigest(tx, checkpoint.id),
          digestVersion: DIGEST_VERSION,
        },
      });
    });
  });
};
