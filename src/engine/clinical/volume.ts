/**
 * Structure volumes (docs/design.md "Definitions" → "Clinical biomarkers"):
 *
 *   V_k [ml] = Σ_z n_k(z) · sx · sy · sz / 1000
 *
 * n_k(z) the pixels of structure k in slice z, sx, sy, sz the NIfTI pixdim[1..3] in mm (sz the
 * distance between slice centres, so gaps between slices count as tissue, as in the ACDC
 * challenge's volumes). One spacing per phase, so the sum is N_k · (voxel volume).
 */
import { STRUCTURES, type LabelMap, type Structure } from '../data/types';
import { InvalidInputError } from '../errors';

/** Voxel size [sx, sy, sz] in mm. */
export type SpacingMm3 = readonly [number, number, number];

export type StructureValues = Record<Structure, number>;

/** Volume of one voxel in ml (1 ml = 1000 mm³); every spacing must be finite and > 0. */
export function voxelVolumeMl(spacing: SpacingMm3): number {
  if (spacing.length !== 3 || spacing.some((s) => !Number.isFinite(s) || s <= 0)) {
    throw new InvalidInputError(
      'BAD_ARGUMENT',
      `voxel spacing [${spacing.join(', ')}] mm: need three finite values > 0`,
    );
  }
  return (spacing[0] * spacing[1] * spacing[2]) / 1000;
}

/**
 * Pixels of each structure in a label image or volume (any layout: only counts matter). Values
 * outside the label map are not counted; readers of files validate labels before (cli labelImage).
 */
export function structurePixelCounts(labels: ArrayLike<number>, labelMap: LabelMap): StructureValues {
  const counts: StructureValues = { LV: 0, MYO: 0, RV: 0 };
  const byValue = new Map<number, Structure>(STRUCTURES.map((s) => [labelMap[s], s]));
  for (let i = 0; i < labels.length; i++) {
    const s = byValue.get(labels[i]);
    if (s !== undefined) counts[s]++;
  }
  return counts;
}

/** Adds slice counts into a running per-structure total (Σ_z n_k(z)). */
export function addCounts(total: StructureValues, slice: StructureValues): StructureValues {
  for (const s of STRUCTURES) total[s] += slice[s];
  return total;
}

/** Volumes in ml from per-structure pixel counts summed over the slices of one phase. */
export function structureVolumesMl(counts: StructureValues, spacing: SpacingMm3): StructureValues {
  const v = voxelVolumeMl(spacing);
  return { LV: counts.LV * v, MYO: counts.MYO * v, RV: counts.RV * v };
}
