/**
 * Image and label volumes → slices (docs/design.md "Importing data"). A volume is a 3-D file
 * (frame null) or one 0-based frame of a 4-D cine; a 2-D file is refused where a volume is needed.
 *
 * Slice z of the volume is slice index z at position z / (nz − 1) (stacks run base → apex);
 * rows = NIfTI x, cols = NIfTI y; spacing from pixdim. Label values go through the LabelMap to
 * class indices (0 background, 1 RV, 2 MYO, 3 LV); any other value is BAD_LABEL. No label file
 * gives slices whose label is null, never zeros.
 *
 * A 4-D label file (M&Ms) is drawn only at some frames; a chosen frame that is background
 * everywhere means the frame numbers do not name the drawn frames, so it is BAD_LABEL rather
 * than a silent empty ground truth.
 */
import { InvalidInputError } from '../errors';
import { ACDC_LABELS, type LabelMap, type MaybeLabeledSlice, type Phase } from '../data/types';
import { sliceOf, type NiftiVolume } from './nifti';

const shape = (vol: NiftiVolume) => `[${vol.dims.join(', ')}]`;

/** class index per file label value; throws BAD_ARGUMENT on a bad map. */
export function classLookup(labels: LabelMap): Map<number, number> {
  const lookup = new Map<number, number>([[0, 0]]);
  const classOf: Record<keyof LabelMap, number> = { RV: 1, MYO: 2, LV: 3 };
  for (const key of ['RV', 'MYO', 'LV'] as const) {
    const v = labels[key];
    if (!Number.isInteger(v) || v <= 0 || lookup.has(v)) {
      throw new InvalidInputError(
        'BAD_ARGUMENT',
        `label map needs distinct positive integers, got ${JSON.stringify(labels)}`,
      );
    }
    lookup.set(v, classOf[key]);
  }
  return lookup;
}

/** Checks that vol is a 3-D volume (frame null) or a 4-D cine holding that frame. */
export function checkVolume(vol: NiftiVolume, frame: number | null): void {
  const ndim = vol.ndim ?? vol.dims.length;
  if (frame === null) {
    if (ndim < 3 || vol.dims.length !== 3)
      throw new InvalidInputError('BAD_SHAPE', `a 3-D volume is needed, got a ${ndim}-D file ${shape(vol)}`);
    return;
  }
  if (ndim !== 4) throw new InvalidInputError('BAD_SHAPE', `a 4-D cine is needed, got a ${ndim}-D file ${shape(vol)}`);
  const frames = vol.dims[3] ?? 1;
  if (!Number.isInteger(frame) || frame < 0 || frame >= frames)
    throw new InvalidInputError('BAD_FORMAT', `frame ${frame} (0-based) is outside the ${frames} frames of the cine`);
}

/** Class indices of every slice of a label volume (at `frame` of a 4-D file). */
export function labelSlices(label: NiftiVolume, frame: number | null, labels: LabelMap = ACDC_LABELS): Uint8Array[] {
  checkVolume(label, frame);
  const lookup = classLookup(labels);
  const nz = label.dims[2];
  let foreground = false;
  const out: Uint8Array[] = [];
  for (let z = 0; z < nz; z++) {
    const lab = sliceOf(label, z, frame ?? 0);
    const classes = new Uint8Array(lab.data.length);
    for (let k = 0; k < classes.length; k++) {
      const c = lookup.get(lab.data[k]);
      if (c === undefined) {
        throw new InvalidInputError(
          'BAD_LABEL',
          `label value ${lab.data[k]} at slice ${z} is not in the label map (0, ${[...lookup.keys()].slice(1).join(', ')})`,
        );
      }
      classes[k] = c;
      foreground ||= c !== 0;
    }
    out.push(classes);
  }
  if (frame !== null && !foreground)
    throw new InvalidInputError('BAD_LABEL', `frame ${frame} (0-based) of the 4-D label file is background everywhere`);
  return out;
}

/** Image and label describe the same grid: equal x, y, z (and frame count when both are 4-D). */
function checkSameShape(image: NiftiVolume, label: NiftiVolume, imageFrame: number | null, labelFrame: number | null) {
  const n = imageFrame !== null && labelFrame !== null ? 4 : 3;
  const a = image.dims.slice(0, 3).concat(n === 4 ? [image.dims[3] ?? 1] : []);
  const b = label.dims.slice(0, 3).concat(n === 4 ? [label.dims[3] ?? 1] : []);
  if (a.join() !== b.join())
    throw new InvalidInputError('BAD_SHAPE', `image ${shape(image)} and label ${shape(label)} differ in shape`);
}

/**
 * Slices of one phase: the image volume (at imageFrame of a cine) with its label volume (at
 * labelFrame), or with none (label null on every slice).
 */
export function slicesFromVolumes(
  image: NiftiVolume,
  label: NiftiVolume | null,
  subjectId: string,
  phase: Phase,
  labels: LabelMap = ACDC_LABELS,
  imageFrame: number | null = null,
  labelFrame: number | null = imageFrame,
): MaybeLabeledSlice[] {
  checkVolume(image, imageFrame);
  if (label) checkSameShape(image, label, imageFrame, labelFrame);
  const classes = label ? labelSlices(label, labelFrame, labels) : null;
  const [nx, ny, nz] = image.dims;
  return Array.from({ length: nz }, (_, z) => ({
    rows: nx,
    cols: ny,
    spacingMm: [image.spacingMm[0], image.spacingMm[1]] as const,
    image: sliceOf(image, z, imageFrame ?? 0).data,
    label: classes ? classes[z] : null,
    subjectId,
    phase,
    sliceIndex: z,
    sliceCount: nz,
    position: nz > 1 ? z / (nz - 1) : 0.5,
  }));
}
