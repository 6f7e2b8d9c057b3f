/**
 * Reads a dataset's slices from the store, with the filters evaluations, training and inference
 * use. The label is the slice's effective ground truth (./slice-labels.ts): imported, or attached
 * later. `loadSlices` needs it on every slice (LABELS_MISSING otherwise); `loadImageSlices` gives
 * null where there is none, for work that needs only the images.
 */
import type { Split } from '../db/generated/enums';
import type { Store } from '../db/client';
import type { LabeledSlice, MaybeLabeledSlice } from '../engine/data/types';
import { imageFromBytes, sliceFromRow } from './slice-codec';
import { effectiveLabel, WITH_ATTACHED_LABEL } from './slice-labels';

interface StoredFields {
  id: string;
  group: string | null;
  split: Split;
}
export type StoredSlice = LabeledSlice & StoredFields;
export type StoredImageSlice = MaybeLabeledSlice & StoredFields;

export interface SliceScope {
  datasetId: string;
  splits?: Split[];
  ids?: string[];
}

async function sliceRows(store: Store, where: SliceScope) {
  const rows = await store.slice.findMany({
    where: {
      ...(where.ids ? { id: { in: where.ids } } : {}),
      subject: { datasetId: where.datasetId, ...(where.splits ? { split: { in: where.splits } } : {}) },
    },
    include: { subject: { select: { externalId: true, group: true, split: true } }, ...WITH_ATTACHED_LABEL },
    orderBy: [{ subjectId: 'asc' }, { phase: 'asc' }, { sliceIndex: 'asc' }],
  });
  return rows.map((row) => ({
    row: { ...row, label: effectiveLabel(row) },
    meta: {
      id: row.id,
      group: row.subject.group,
      subjectId: row.subject.externalId,
      phase: row.phase,
      sliceIndex: row.sliceIndex,
      sliceCount: row.sliceCount,
      position: row.position,
      split: row.subject.split,
    },
  }));
}

export async function loadSlices(store: Store, where: SliceScope): Promise<StoredSlice[]> {
  return (await sliceRows(store, where)).map(({ row, meta }) => ({ ...sliceFromRow(row), ...meta }));
}

export async function loadImageSlices(store: Store, where: SliceScope): Promise<StoredImageSlice[]> {
  return (await sliceRows(store, where)).map(({ row, meta }) => ({
    rows: row.rows,
    cols: row.cols,
    spacingMm: [row.spacingXMm, row.spacingYMm] as const,
    image: imageFromBytes(row.image),
    label: row.label === null ? null : new Uint8Array(row.label),
    ...meta,
  }));
}
