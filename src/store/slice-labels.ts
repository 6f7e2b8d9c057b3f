/**
 * A slice's ground truth (docs/design.md "Importing data"): the label it was imported with
 * (Slice.label) or, for a slice imported without one, the SliceLabel row that supplied it later
 * (attached label files or a review). Work that needs ground truth counts the slices of its scope
 * without it up front (services refuse the launch: LABELS_MISSING).
 */
import type { Prisma } from '../db/generated/client';
import type { Store } from '../db/client';
import { imageFromBytes, sliceContentHash } from './slice-codec';

/** Prisma `include` that brings a slice's later label along. */
export const WITH_ATTACHED_LABEL = { attachedLabel: { select: { label: true } } } as const;

/** The slice's label from Slice.label or its SliceLabel; null when it has neither. */
export function effectiveLabel(row: {
  label: Uint8Array | null;
  attachedLabel?: { label: Uint8Array } | null;
}): Uint8Array | null {
  return row.label ?? row.attachedLabel?.label ?? null;
}

/** Slices without ground truth: no imported label and no SliceLabel. */
export const UNLABELLED: Prisma.SliceWhereInput = { label: null, attachedLabel: { is: null } };

/** How many slices of a scope lack ground truth. */
export function countUnlabelled(store: Store, scope: Prisma.SliceWhereInput): Promise<number> {
  return store.slice.count({ where: { AND: [scope, UNLABELLED] } });
}

/**
 * The content hash a slice has with `label` as its ground truth: the hash it would have had if
 * imported with that label, so a SliceLabel row names the labelled slice exactly.
 */
export function labelledSliceHash(
  row: { rows: number; cols: number; spacingXMm: number; spacingYMm: number; image: Uint8Array },
  label: Uint8Array,
): string {
  return sliceContentHash({
    rows: row.rows,
    cols: row.cols,
    spacingMm: [row.spacingXMm, row.spacingYMm],
    image: imageFromBytes(row.image),
    label,
  });
}
