/** Job: generate the synthetic phantom (engine) and store it as a dataset. */
import { phantomSubjects } from '../../engine/data/phantom';
import type { Subject } from '../../engine/data/types';
import { PhantomDatasetConfig, runConfig } from '../../domain/run-config';
import { storeDataset } from '../../store/store-dataset';
import type { JobHandler } from '../job-handler';
import type { QUEUES } from '../queues';
import { withRun } from '../run-lifecycle';

export const createPhantomDataset: JobHandler<typeof QUEUES.createDataset> = async (job, { store }) => {
  const { runId } = job.data;
  const run = await store.run.findUniqueOrThrow({ where: { id: runId } });
  const config = runConfig(run, 'DATASET', PhantomDatasetConfig);
  await withRun(store, runId, { jobSignal: job.signal }, async (ctx) => {
    await ctx.progress({ fraction: 0, stage: 'generating phantom' }, true);
    const subjects: Subject[] = [];
    const extraTestSubjects = config.extraTestSubjects ?? 0;
    const total = config.subjects + extraTestSubjects;
    for (const subject of phantomSubjects({ ...config, extraTestSubjects })) {
      subjects.push(subject);
      await ctx.progress({ fraction: (0.6 * subjects.length) / total, stage: 'generating phantom' });
      // Let the event loop run between subjects: the queue's connections time out after 10 s.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await ctx.progress({ fraction: 0.6, stage: 'storing slices' }, true);
    const datasetId = await storeDataset(store, {
      name: config.name,
      source: 'PHANTOM',
      site: config.site,
      generatorParams: {
        generator: 'phantom',
        site: config.site,
        subjects: config.subjects,
        seed: config.seed,
        ...(extraTestSubjects ? { extraTestSubjects } : {}),
      },
      subjects,
      createdBy: run.createdBy,
      runId,
    });
    await store.run.update({ where: { id: runId }, data: { datasetId } });
  });
};
