/**
 * Reads a dataset's slices from the store, with the filters evaluations, training and inference
 * use. The label is the slice's effective ground truth (./slice-labels.ts effectiveLabel): imported,
 * or attached later. `loadSlices` needs it on every slice (LABELS_MISSING otherwise); `loadImageSlices` gives
 * null where there is none, for work that needs only the images.
 */
import type { Slice, Subject } from '../db/generated/client';
import type { Split } from '../db/generated/enums';
import { poolOf, type Store } from '../db/client';
import type { LabeledSlice, MaybeLabeledSlice } from '../engine/data/types';
import { imageFromBytes, sliceFromRow } from './slice-codec';

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

/** A slice row as the SQL below selects it: pg gives bytea as Buffers. */
type SliceRow = Pick<
  Slice,
  'id' | 'phase' | 'sliceIndex' | 'sliceCount' | 'position' | 'spacingXMm' | 'spacingYMm' | 'rows' | 'cols'
> &
  Pick<Subject, 'externalId' | 'group' | 'split'> & {
    image: Buffer;
    /** Slice.label, else its SliceLabel's (effectiveLabel's rule, in SQL). */
    label: Buffer | null;
  };

/**
 * Through pg, not Prisma: the Prisma pg adapter turns every bytea value into an array of numbers
 * and back (≈ 13 ms for a 200² slice's image and label), about a sixth of an evaluation shard's CPU
 * in a worker profile; pg hands back Buffers.
 */
async function sliceRows(store: Store, where: SliceScope) {
  const { rows } = await poolOf(store).query<SliceRow>(
    `SELECT s.id, s.phase, s."sliceIndex", s."sliceCount", s.position, s."spacingXMm", s."spacingYMm", s.rows, s.cols,
       s.image, coalesce(s.label, sl.label) AS label, sub."externalId", sub."group", sub.split
     FROM "Slice" s JOIN "Subject" sub ON sub.id = s."subjectId" LEFT JOIN "SliceLabel" sl ON sl."sliceId" = s.id
     WHERE sub."datasetId" = $1::uuid
       AND ($2::text[] IS NULL OR sub.split::text = ANY($2::text[]))
       AND ($3::uuid[] IS NULL OR s.id = ANY($3::uuid[]))
     ORDER BY s."subjectId", s.phase, s."sliceIndex"`,
    [where.datasetId, where.splits ?? null, where.ids ?? null],
  );
  return rows.map((row) => ({
    row,
    meta: {
      id: row.id,
      group: row.group,
      subjectId: row.externalId,
      phase: row.phase,
      sliceIndex: row.sliceIndex,
      sliceCount: row.sliceCount,
      position: row.position,
      split: row.split,
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
