/**
 * Writes a dataset (subjects and slices from the engine) into the store in one transaction, with
 * content hashes and an audit event; a retry of the same run finds the dataset and writes nothing.
 * Slices imported without ground truth are stored with a null label; each imported volume's
 * source file, frame and NIfTI geometry go to VolumeGeometry in the same transaction.
 */
import type { DatasetSource } from '../db/generated/enums';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { DIGEST_VERSION, datasetDigest } from '../db/result-digest';
import type { MaybeLabeledSlice, Subject } from '../engine/data/types';
import type { VolumeSource } from '../engine/io/read-subjects';
import { datasetContentHash, sliceContentHash, sliceRowData } from './slice-codec';

export interface NewDataset {
  name: string;
  source: DatasetSource;
  site: string | null;
  generatorParams?: object;
  subjects: (Subject<MaybeLabeledSlice> & { volumes?: VolumeSource[] })[];
  createdBy: string;
  runId: string;
}

export async function storeDataset(store: Store, input: NewDataset): Promise<string> {
  const existing = await store.dataset.findFirst({ where: { createdByRunId: input.runId }, select: { id: true } });
  if (existing) return existing.id;
  const sliceHashes = input.subjects.map((subject) => subject.slices.map(sliceContentHash));
  const contentHash = datasetContentHash(input.subjects, sliceHashes);
  const vendors = new Set(input.subjects.map((s) => s.vendor ?? null));
  const unlabelled = input.subjects.reduce((n, s) => n + s.slices.filter((slice) => slice.label === null).length, 0);
  return store.$transaction(
    async (tx) => {
      const dataset = await tx.dataset.create({
        data: {
          name: input.name,
          source: input.source,
          site: input.site,
          vendor: vendors.size === 1 ? [...vendors][0] : null,
          generatorParams: input.generatorParams,
          contentHash,
          createdBy: input.createdBy,
          createdByRunId: input.runId,
        },
      });
      for (const [i, subject] of input.subjects.entries()) {
        const row = await tx.subject.create({
          data: {
            datasetId: dataset.id,
            externalId: subject.id,
            group: subject.group,
            split: subject.split,
            vendor: subject.vendor ?? null,
            centre: subject.centre ?? null,
            sliceSpacingMm: subject.sliceSpacingMm ?? null,
          },
        });
        await tx.slice.createMany({
          data: subject.slices.map((slice, z) => ({ subjectId: row.id, ...sliceRowData(slice, sliceHashes[i][z]) })),
        });
        await tx.volumeGeometry.createMany({
          data: (subject.volumes ?? []).map((v) => ({
            subjectId: row.id,
            phase: v.phase,
            sourceFile: v.sourceFile,
            frame: v.frame,
            geometry: { ...v.geometry },
          })),
        });
      }
      await appendAudit(tx, {
        actor: input.createdBy,
        action: 'dataset.created',
        entity: 'Dataset',
        entityId: dataset.id,
        details: {
          name: input.name,
          source: input.source,
          contentHash,
          subjects: input.subjects.length,
          unlabelledSlices: unlabelled,
          runId: input.runId,
          digest: await datasetDigest(tx, dataset.id),
          digestVersion: DIGEST_VERSION,
        },
      });
      return dataset.id;
    },
    { timeout: 120000, maxWait: 30000 },
  );
}
