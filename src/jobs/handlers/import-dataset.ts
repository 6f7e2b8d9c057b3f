/**
 * Job: read an import folder (ACDC, M&Ms or plain NIfTI; labels optional) with the engine
 * importer into the store: slices, their labels where present, and each volume's geometry.
 */
import type { DatasetSource } from '../../db/generated/enums';
import { LAYOUT_LABELS, readImportFolder } from '../../engine/io/import-folder';
import { ImportDatasetConfig, runConfig, type ImportLayout } from '../../domain/run-config';
import { storeDataset } from '../../store/store-dataset';
import type { JobHandler } from '../job-handler';
import type { QUEUES } from '../queues';
import { withRun } from '../run-lifecycle';

const SOURCE: Record<ImportLayout, DatasetSource> = { ACDC: 'ACDC', MNMS: 'MNMS', NIFTI_PAIRS: 'NIFTI' };

export const importDataset: JobHandler<typeof QUEUES.importDataset> = async (job, { store }) => {
  const { runId } = job.data;
  const run = await store.run.findUniqueOrThrow({ where: { id: runId } });
  const config = runConfig(run, 'DATASET', ImportDatasetConfig);
  await withRun(store, runId, { jobSignal: job.signal }, async (ctx) => {
    await ctx.progress({ fraction: 0, stage: `reading ${config.layout} folder` }, true);
    // Checked again here, at every open: the folder may have changed since the request was checked.
    const root = config.root ?? config.folder;
    const subjects = readImportFolder(config.folder, config.layout, {
      root,
      ...(config.site ? { site: config.site } : {}),
      ...(config.split ? { split: config.split } : {}),
    });
    await ctx.progress({ fraction: 0.6, stage: 'storing slices' }, true);
    const datasetId = await storeDataset(store, {
      name: config.name,
      source: SOURCE[config.layout],
      site: config.site ?? subjects[0]?.site ?? null,
      // The file label values, so results written back as NIfTI use the source's own numbering.
      generatorParams: { importedFrom: config.folder, layout: config.layout, labels: LAYOUT_LABELS[config.layout] },
      subjects,
      createdBy: run.createdBy,
      runId,
    });
    await store.run.update({ where: { id: runId }, data: { datasetId } });
  });
};
