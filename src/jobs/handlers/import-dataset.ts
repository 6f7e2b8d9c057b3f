/** Job: read an ACDC-layout folder or NIfTI image/label pairs (engine importer) into the store. */
import { readAcdcFolder, readNiftiPairsFolder } from '../../engine/io/acdc-import';
import { ImportDatasetConfig, runConfig } from '../../domain/run-config';
import { storeDataset } from '../../store/store-dataset';
import type { JobHandler } from '../job-handler';
import type { QUEUES } from '../queues';
import { withRun } from '../run-lifecycle';

export const importDataset: JobHandler<typeof QUEUES.importDataset> = async (job, { store }) => {
  const { runId } = job.data;
  const run = await store.run.findUniqueOrThrow({ where: { id: runId } });
  const config = runConfig(run, 'DATASET', ImportDatasetConfig);
  await withRun(store, runId, { jobSignal: job.signal }, async (ctx) => {
    await ctx.progress({ fraction: 0, stage: `reading ${config.layout} folder` }, true);
    // Checked again here, at every open: the folder may have changed since the request was checked.
    const root = config.root ?? config.folder;
    const options = {
      root,
      ...(config.site ? { site: config.site } : {}),
      ...(config.split ? { split: config.split } : {}),
    };
    const subjects =
      config.layout === 'ACDC' ? readAcdcFolder(config.folder, options) : readNiftiPairsFolder(config.folder, options);
    await ctx.progress({ fraction: 0.6, stage: 'storing slices' }, true);
    const datasetId = await storeDataset(store, {
      name: config.name,
      source: config.layout === 'ACDC' ? 'ACDC' : 'NIFTI',
      site: config.site ?? subjects[0]?.site ?? null,
      generatorParams: { importedFrom: config.folder, layout: config.layout },
      subjects,
      createdBy: run.createdBy,
      runId,
    });
    await store.run.update({ where: { id: runId }, data: { datasetId } });
  });
};
