/**
 * An import folder by layout (docs/design.md "Importing data"): ACDC (frame files or the 4-D
 * cine), MNMS (4-D cines and the information sheet) or NIFTI_PAIRS (plain images with optional
 * `_gt` labels). Labels are optional in every layout; `readLabelFolder` reads only the labels, for
 * ground truth attached to a dataset imported without it. File label values default to the
 * layout's convention (M&Ms: LV 1, MYO 2, RV 3; else ACDC's RV 1, MYO 2, LV 3).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findAcdcFiles, PATIENT_DIR } from './acdc-import';
import { opener, openFolder, statOrNull, type Opener } from './import-files';
import { importRoot } from './import-root';
import { ACDC_LABELS, type LabelMap } from '../data/types';
import { findMnmsFiles, MNMS_LABELS } from './mnms-import';
import { findNiftiFiles, NIFTI_FILE } from './nifti-folder-import';
import {
  readLabelFiles,
  readSubjects,
  type FindOptions,
  type ImportedSubject,
  type ImportOptions,
  type PhaseLabels,
  type SubjectFiles,
} from './read-subjects';

export const FOLDER_LAYOUTS = ['ACDC', 'MNMS', 'NIFTI_PAIRS'] as const;
export type FolderLayout = (typeof FOLDER_LAYOUTS)[number];
export const isFolderLayout = (name: string): name is FolderLayout =>
  (FOLDER_LAYOUTS as readonly string[]).includes(name);

const FINDERS: Record<FolderLayout, (open: Opener, dir: string, find: FindOptions) => SubjectFiles[]> = {
  ACDC: findAcdcFiles,
  MNMS: findMnmsFiles,
  NIFTI_PAIRS: findNiftiFiles,
};

/** The file label values each layout's ground truth uses unless the caller names others. */
export const LAYOUT_LABELS: Record<FolderLayout, LabelMap> = {
  ACDC: ACDC_LABELS,
  MNMS: MNMS_LABELS,
  NIFTI_PAIRS: ACDC_LABELS,
};

/** Every subject of the folder: images, labels where present, geometry of each image file. */
export function readImportFolder(dir: string, layout: FolderLayout, options: ImportOptions = {}): ImportedSubject[] {
  const open = opener(options.root);
  const labels = options.labels ?? LAYOUT_LABELS[layout];
  return readSubjects(open, openFolder(open, dir), FINDERS[layout](open, dir, {}), { ...options, labels });
}

/** Only the label files of the folder, per subject and phase. */
export function readLabelFolder(
  dir: string,
  layout: FolderLayout,
  options: Pick<ImportOptions, 'labels' | 'root'> = {},
): PhaseLabels[] {
  const open = opener(options.root);
  const labels = options.labels ?? LAYOUT_LABELS[layout];
  return readLabelFiles(open, openFolder(open, dir), FINDERS[layout](open, dir, { labelsOnly: true }), { labels });
}

/**
 * Before an import is queued: every entry an import of `layout` would open (ACDC: the patientXXX
 * folders and everything in them; MNMS: the CSV and every subfolder's files; pairs: the
 * .nii/.nii.gz files) resolves inside `root`. Reads no file, so it is cheap enough to run in the
 * request.
 */
export function checkImportFolder(dir: string, layout: FolderLayout, root: string): void {
  const open = importRoot(root);
  const real = openFolder(open, dir);
  // Dangling links are left to the import, which names a missing file it needs.
  const check = (path: string) => statOrNull(path) && open.resolve(path);
  for (const name of readdirSync(real)) {
    const entry = join(real, name);
    if (layout === 'NIFTI_PAIRS') {
      if (NIFTI_FILE.test(name)) check(entry);
    } else if (layout === 'MNMS' && /\.csv$/i.test(name)) {
      check(entry);
    } else if ((layout === 'MNMS' || PATIENT_DIR.test(name)) && statOrNull(entry)?.isDirectory()) {
      const subject = open.resolve(entry);
      for (const file of readdirSync(subject)) check(join(subject, file));
    }
  }
}
