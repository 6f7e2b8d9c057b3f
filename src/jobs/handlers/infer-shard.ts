/**
 * Job: segment one shard of an inference's slices with uncertainty — T posterior samples per slice
 * with the inference's one seed (coherent draws), the mean segmentation, entropy and MI maps,
 * within-sample measures, pixel counts and, with a policy, its decisions (engine/inference/
 * slice-inference.ts) — and write the shard (store/inferences.ts). Labels are never read: the
 * slices may have none. A retried shard whose rows exist does nothing. The run succeeds with its
 * last shard.
 */
import { initBackend } from '../../engine/backend';
import { inferSlice } from '../../engine/inference/slice-inference';
import { policyRules } from '../../domain/policy-rules';
import { runConfig } from '../../domain/run-config';
import { modelOfCheckpoints } from '../../store/checkpoint-cache';
import { type InferenceShardRow, writeInferenceShard } from '../../store/inferences';
import { loadImageSlices } from '../../store/load-slices';
import type { JobHandler } from '../job-handler';
import type { QUEUES } from '../queues';
import { withRun } from '../run-lifecycle';

export const inferShard: JobHandler<typeof QUEUES.inferShard> = async (job, { store, config: appConfig }) => {
  const { runId, inferenceId, shard, sliceIds } = job.data;
  const inference = await store.inference.findUniqueOrThrow({
    where: { id: inferenceId },
    include: { run: true, policy: true },
  });
  const config = runConfig(inference.run, 'INFER');
  const backend = await initBackend(appConfig.backend);
  const allWritten = async () => (await store.inferenceSlice.count({ where: { inferenceId } })) >= config.slices;

  await withRun(store, runId, { backend, jobSignal: job.signal, complete: allWritten }, async (ctx) => {
    if ((await store.inferenceSlice.count({ where: { inferenceId, shard } })) > 0) return;
    const model = await modelOfCheckpoints(store, appConfig.dataDir, config.checkpointIds);
    const slices = await loadImageSlices(store, { datasetId: inference.datasetId, ids: sliceIds });
    const rules = inference.policy ? policyRules(inference.policy) : null;
    const seed = inference.run.seed ?? 0;
    const rows: InferenceShardRow[] = [];
    const doneBefore = await store.inferenceSlice.count({ where: { inferenceId } });
    for (const [i, slice] of slices.entries()) {
      // One sampling seed for the whole inference: sample t is one posterior draw across every
      // slice of a subject, so subject-level quantities get posterior intervals.
      rows.push({ sliceId: slice.id, result: inferSlice(model, slice, inference.samples, { seed, rules }) });
      await ctx.progress({ fraction: (doneBefore + i + 1) / config.slices, stage: `inferring shard ${shard}` });
    }
    await writeInferenceShard(store, { runId, inferenceId, shard, actor: inference.run.createdBy, backend, rows });
  });
};
