/** Job: read an ACDC-layout folder or NIfTI image/label pairs (engine importer) into the store. */
import { readAcdcFolder, readNiftiPairsFolder } from '../engine/io/acdc-import';
import type { Site, Split } from '../engine/data/types';
import type { JobHandler } from './handlers';
import type { ImportLayout } from './launch';
import { withRun } from './run-lifecycle';
import { storeDataset } from './store-dataset';

export interface ImportConfig {
  name: string;
  folder: string;
  /** The import root's real path when the import was asked for; runs queued before it was kept have none. */
  root?: string;
  layout: ImportLayout;
  site: Site | null;
  split: Split | null;
}

export const importDataset: JobHandler = async (job, { store }) => {
  const { runId } = job.data as { runId: string };
  const run = await store.run.findUniqueOrThrow({ where: { id: runId } });
  const config = run.config as unknown as ImportConfig;
  await withRun(store, runId, { jobSignal: job.signal }, async (ctx) => {
    await ctx.progress({ fraction: 0, stage: `reading ${config.layout} folder` }, true);
    // Checked again here, at every open: the folder may have changed since the request was checked.
    const root = config.root ?? config.folder;
    const options = { root, ...(config.site ? { site: config.site } : {}), ...(config.split ? { split: config.split } : {}) };
    const subjects = config.layout === 'ACDC' ? readAcdcFolder(config.folder, options) : readNiftiPairsFolder(config.folder, options);
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
