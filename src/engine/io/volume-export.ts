/**
 * Per-slice 2-D maps back into one NIfTI volume per subject and phase (docs/design.md "Exporting
 * results"). Slice index z of a phase is the volume's z; each map is row-major with rows = NIfTI x
 * and cols = NIfTI y, as the importer cut it (nifti.ts `sliceOf`), so `volumeFromSlices` puts map
 * value [x · cols + y] of slice z at voxel x + nx · (y + ny · z), where the input had it.
 *
 * Geometry: the input file's header (VolumeGeometry) as stored, so dim, pixdim, qform and sform
 * match the input; a 4-D cine input's header describes one frame here (dim[0] = 3, dim[4] = 1; the
 * rest, pixdim[4] included, as it was). Without a stored header (phantoms, datasets imported before
 * headers were kept) the header is written from the slice spacing: identity orientation, the
 * slices' in-plane spacing and 1 mm between slices (not stored), and the caller says so.
 */
import { InvalidInputError } from '../errors';
import { ACDC_LABELS, type LabelMap, NUM_CLASSES, STRUCTURES } from '../data/types';
import { type NiftiGeometry, type NiftiWriteDatatype, volumeFromSlices, writeNifti } from './nifti';

/** One slice's map at its index z of the phase's stack. */
export interface IndexedMap {
  z: number;
  data: ArrayLike<number>;
}

export interface VolumeGrid {
  rows: number;
  cols: number;
  /** Slices in the phase's stack (Slice.sliceCount). */
  slices: number;
  /** In-plane spacing [x, y] in mm, for the header written without a stored one. */
  spacingMm: readonly [number, number];
}

/** Spacing between slices assumed when no header was stored (the store keeps none). */
export const FALLBACK_SLICE_SPACING_MM = 1;

/** The stored header for one 3-D volume: a 4-D cine's header as one frame (dim[0] = 3, dim[4] = 1). */
export function volumeGeometry(geometry: NiftiGeometry): NiftiGeometry {
  if (geometry.dim[0] <= 3) return geometry;
  const dim = [...geometry.dim];
  dim[0] = 3;
  dim[4] = 1;
  return { ...geometry, dim };
}

/** File label value of each class index (0 background, 1 RV, 2 MYO, 3 LV). */
export function labelValuesOfClasses(labels: LabelMap = ACDC_LABELS): Uint8Array {
  const out = new Uint8Array(NUM_CLASSES);
  for (const s of STRUCTURES) out[ACDC_LABELS[s]] = labels[s];
  return out;
}

/**
 * The maps stacked in z order; every z of the stack must be there once, each rows × cols
 * (BAD_SHAPE otherwise: a volume with a silent hole would read as background).
 */
function stack(maps: readonly IndexedMap[], grid: VolumeGrid, map: (v: number) => number) {
  const byZ: Array<{ rows: number; cols: number; data: Float32Array } | undefined> = new Array(grid.slices);
  const pixels = grid.rows * grid.cols;
  for (const m of maps) {
    if (!Number.isInteger(m.z) || m.z < 0 || m.z >= grid.slices || byZ[m.z])
      throw new InvalidInputError('BAD_SHAPE', `slice index ${m.z} is outside a stack of ${grid.slices} or repeated`);
    if (m.data.length !== pixels)
      throw new InvalidInputError('BAD_SHAPE', `slice ${m.z} has ${m.data.length} values, expected ${pixels}`);
    const data = new Float32Array(pixels);
    for (let i = 0; i < pixels; i++) data[i] = map(m.data[i]);
    byZ[m.z] = { rows: grid.rows, cols: grid.cols, data };
  }
  const missing = byZ.findIndex((s) => s === undefined);
  if (missing >= 0 || byZ.length === 0)
    throw new InvalidInputError('BAD_SHAPE', `slice ${missing} of ${grid.slices} has no map to export`);
  return byZ as Array<{ rows: number; cols: number; data: Float32Array }>;
}

function write(
  slices: ReturnType<typeof stack>,
  grid: VolumeGrid,
  datatype: NiftiWriteDatatype,
  geometry: NiftiGeometry | null,
): Uint8Array {
  const vol = volumeFromSlices(slices, [grid.spacingMm[0], grid.spacingMm[1], FALLBACK_SLICE_SPACING_MM]);
  return writeNifti(vol, { datatype, geometry: geometry ? volumeGeometry(geometry) : undefined });
}

/** The mean segmentation (class indices per slice) as a uint8 .nii.gz in the dataset's label values. */
export function segmentationVolume(
  maps: readonly IndexedMap[],
  grid: VolumeGrid,
  geometry: NiftiGeometry | null,
  labels: LabelMap = ACDC_LABELS,
): Uint8Array {
  const values = labelValuesOfClasses(labels);
  return write(
    stack(maps, grid, (c) => {
      const v = values[c];
      if (v === undefined || !Number.isInteger(c))
        throw new InvalidInputError('BAD_LABEL', `class index ${c} is not one of 0..${NUM_CLASSES - 1}`);
      return v;
    }),
    grid,
    'uint8',
    geometry,
  );
}

/** A per-pixel uncertainty map (nats) as a float32 .nii.gz. */
export function floatVolume(maps: readonly IndexedMap[], grid: VolumeGrid, geometry: NiftiGeometry | null): Uint8Array {
  return write(
    stack(maps, grid, (v) => v),
    grid,
    'float32',
    geometry,
  );
}
