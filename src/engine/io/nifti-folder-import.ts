/**
 * Plain NIfTI folders (docs/design.md "Importing data"): every `X.nii.gz` (or `X.nii`) whose name
 * does not end in `_gt` is a 3-D image, one subject with id X and phase ED (ED/ES cannot be known
 * from a plain file); `X_gt.nii.gz` (or `X_gt.nii`) beside it, when present, is its label. A label
 * file without its image is an error on import; when only labels are looked for (ground truth
 * attached later) every `X_gt` file is the label of subject X.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors';
import { opener, openFolder, type Opener } from './import-files';
import {
  readSubjects,
  type FindOptions,
  type ImportedSubject,
  type ImportOptions,
  type SubjectFiles,
} from './read-subjects';

export const NIFTI_FILE = /\.nii(\.gz)?$/;
const stem = (f: string) => f.replace(NIFTI_FILE, '');

/** The images (sorted by name) and their optional labels in a plain NIfTI folder. */
export function findNiftiFiles(open: Opener, folder: string, find: FindOptions = {}): SubjectFiles[] {
  const dir = openFolder(open, folder);
  const files = readdirSync(dir).filter((f) => NIFTI_FILE.test(f));
  const isLabel = (f: string) => stem(f).endsWith('_gt');
  const labels = files.filter(isLabel).sort();
  const subject = (id: string, image: string, label: string | null): SubjectFiles => ({
    id,
    group: 'UNKNOWN',
    phases: [{ phase: 'ED', image, imageFrame: null, label, labelFrame: null }],
  });
  if (find.labelsOnly) {
    if (labels.length === 0) throw new InvalidInputError('BAD_FORMAT', `no X_gt.nii.gz label files in ${folder}`);
    return labels.map((gt) => {
      const id = stem(gt).slice(0, -'_gt'.length);
      return subject(id, `${id}.nii.gz`, gt);
    });
  }
  const images = files.filter((f) => !isLabel(f)).sort();
  const used = new Set<string>();
  const found = images.map((f) => {
    const id = stem(f);
    const gt = [`${id}_gt.nii.gz`, `${id}_gt.nii`].find((g) => labels.includes(g)) ?? null;
    if (gt) used.add(gt);
    return subject(id, f, gt);
  });
  const orphan = labels.find((g) => !used.has(g));
  if (orphan) throw new InvalidInputError('FILE_NOT_FOUND', `label file ${join(dir, orphan)} has no image`);
  if (found.length === 0) throw new InvalidInputError('BAD_FORMAT', `no NIfTI images in ${folder}`);
  return found;
}

/** Read a plain NIfTI folder (images with optional `_gt` labels beside them). */
export function readNiftiPairsFolder(folder: string, options: ImportOptions = {}): ImportedSubject[] {
  const open = opener(options.root);
  return readSubjects(open, openFolder(open, folder), findNiftiFiles(open, folder), options);
}
