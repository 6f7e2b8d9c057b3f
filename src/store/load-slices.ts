/** Reads a dataset's slices from the store, with the filters evaluations and training use. */
import type { Split } from '../db/generated/enums';
import type { Store } from '../db/client';
import type { LabeledSlice } from '../engine/data/types';
import { sliceFromRow } from './slice-codec';

export type StoredSlice = LabeledSlice & { id: string; group: string | null; split: Split };

export async function loadSlices(
  store: Store,
  where: { datasetId: string; splits?: Split[]; ids?: string[] },
): Promise<StoredSlice[]> {
  const rows = await store.slice.findMany({
    where: {
      ...(where.ids ? { id: { in: where.ids } } : {}),
      subject: { datasetId: where.datasetId, ...(where.splits ? { split: { in: where.splits } } : {}) },
    },
    include: { subject: { select: { externalId: true, group: true, split: true } } },
    orderBy: [{ subjectId: 'asc' }, { phase: 'asc' }, { sliceIndex: 'asc' }],
  });
  return rows.map((row) => ({
    ...sliceFromRow(row),
    id: row.id,
    group: row.subject.group,
    subjectId: row.subject.externalId,
    phase: row.phase,
    sliceIndex: row.sliceIndex,
    sliceCount: row.sliceCount,
    position: row.position,
    split: row.subject.split,
  }));
}
