/**
 * Slices to and from their stored bytes: image float32 little-endian and label uint8, both
 * row-major (rows = NIfTI x); content hash over dims, spacing, image and label. A slice without a
 * label hashes the bytes "no label" where the label would be: the header fixes the label's length
 * (rows × cols class indices 0..3), and those letters are no class index, so no labelled slice can
 * share that hash, while labelled slices hash exactly as before.
 */
import crypto from 'node:crypto';
import type { MaybeLabeledSlice, Slice2D, Subject } from '../engine/data/types';
import { InvalidInputError } from '../engine/errors';

/** Bytes as Prisma stores them (a plain Uint8Array over its own ArrayBuffer). */
export type Bytes = Uint8Array<ArrayBuffer>;

export function imageBytes(image: Float32Array): Bytes {
  const out = new Uint8Array(image.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < image.length; i++) view.setFloat32(i * 4, image[i], true);
  return out;
}

export function imageFromBytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

const NO_LABEL = new TextEncoder().encode('no label');

export function sliceContentHash(slice: Omit<Slice2D, 'label'> & { label: Uint8Array | null }): string {
  return crypto
    .createHash('sha256')
    .update(`${slice.rows}x${slice.cols}@${slice.spacingMm[0]},${slice.spacingMm[1]}\n`)
    .update(imageBytes(slice.image))
    .update(slice.label ?? NO_LABEL)
    .digest('hex');
}

/** A dataset's hash: over its subjects (id, group, split) and their slices' hashes, in order. */
export function datasetContentHash(subjects: Subject<MaybeLabeledSlice>[], sliceHashes: string[][]): string {
  const hash = crypto.createHash('sha256');
  subjects.forEach((subject, i) => {
    hash.update(`${subject.id}|${subject.group}|${subject.split}\n`);
    for (const h of sliceHashes[i]) hash.update(`${h}\n`);
  });
  return hash.digest('hex');
}

export interface StoredSliceRow {
  image: Uint8Array;
  /** null: imported without ground truth. */
  label: Uint8Array | null;
  rows: number;
  cols: number;
  spacingXMm: number;
  spacingYMm: number;
}

/** A labelled slice; a slice without ground truth is a LABELS_MISSING error. */
export function sliceFromRow(row: StoredSliceRow): Slice2D {
  if (row.label === null)
    throw new InvalidInputError('LABELS_MISSING', 'this slice has no ground-truth label (imported without one)');
  return {
    rows: row.rows,
    cols: row.cols,
    spacingMm: [row.spacingXMm, row.spacingYMm],
    image: imageFromBytes(row.image),
    label: new Uint8Array(row.label),
  };
}

export function sliceRowData(slice: MaybeLabeledSlice, contentHash: string) {
  return {
    phase: slice.phase,
    sliceIndex: slice.sliceIndex,
    sliceCount: slice.sliceCount,
    position: slice.position,
    spacingXMm: slice.spacingMm[0],
    spacingYMm: slice.spacingMm[1],
    rows: slice.rows,
    cols: slice.cols,
    image: imageBytes(slice.image),
    label: slice.label === null ? null : new Uint8Array(slice.label),
    contentHash,
  };
}
