/**
 * Writes a dataset (subjects and slices from the engine) into the store in one transaction, with
 * content hashes and an audit event; a retry of the same run finds the dataset and writes nothing.
 */
import type { DatasetSource } from '../db/generated/enums';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { DIGEST_VERSION, datasetDigest } from '../db/result-digest';
import type { Subject } from '../engine/data/types';
import { datasetContentHash, sliceContentHash, sliceRowData } from './slice-codec';

export interface NewDataset {
  name: string;
  source: DatasetSource;
  site: string | null;
  generatorParams?: object;
  subjects: Subject[];
  createdBy: string;
  runId: string;
}

export async function storeDataset(store: Store, input: NewDataset): Promise<string> {
  const existing = await store.dataset.findFirst({ where: { createdByRunId: input.runId }, select: { id: true } });
  if (existing) return existing.id;
  const sliceHashes = input.subjects.map((subject) => subject.slices.map(sliceContentHash));
  const contentHash = datasetContentHash(input.subjects, sliceHashes);
  return store.$transaction(
    async (tx) => {
      const dataset = await tx.dataset.create({
        data: {
          name: input.name,
          source: input.source,
          site: input.site,
          generatorParams: input.generatorParams,
          contentHash,
          createdBy: input.createdBy,
          createdByRunId: input.runId,
        },
      });
      for (const [i, subject] of input.subjects.entries()) {
        const row = await tx.subject.create({
          data: { datasetId: dataset.id, externalId: subject.id, group: subject.group, split: subject.split },
        });
        await tx.slice.createMany({
          data: subject.slices.map((slice, z) => ({ subjectId: row.id, ...sliceRowData(slice, sliceHashes[i][z]) })),
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
