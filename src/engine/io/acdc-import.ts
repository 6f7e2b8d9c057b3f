/**
 * ACDC-layout folders and plain NIfTI image/label pairs ↔ `Subject[]` (file I/O lives here, in
 * src/engine/io; the rest of the engine stays pure).
 *
 * ACDC layout: `DIR/patientXXX/Info.cfg` (lines `ED: 1`, `ES: 12`, `Group: DCM`, `Height: …`,
 * `NbFrame: …`, `Weight: …`), `patientXXX_frameNN.nii.gz` (image) and `patientXXX_frameNN_gt.nii.gz`
 * (labels) for NN = ED and ES, two-digit frame numbers.
 *
 * Our writer adds `Site:` and `Split:` lines (read back when present; ImportOptions override them).
 *
 * Pairs layout: every `X.nii.gz` (or `X.nii`) whose name does not end in `_gt` is an image and needs
 * `X_gt.nii.gz` (or `X_gt.nii`) beside it; each pair is one subject with id X and phase ED (ED/ES
 * cannot be known from a plain pair); a label file without an image is an error.
 *
 * Slices: volume slice z is slice index z, position z / (nz − 1) (ACDC stacks run base → apex);
 * rows = NIfTI x, cols = NIfTI y; spacing from pixdim. Label values are mapped through the LabelMap
 * to class indices (0 background, 1 RV, 2 MYO, 3 LV); any other value → BAD_LABEL.
 *
 * With `root` set (the server's import root), every folder and file opened must resolve inside it
 * (./import-root.ts), and only regular files are read (a FIFO or device would block or never end).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors';
import {
  ACDC_LABELS,
  type LabelMap,
  type LabeledSlice,
  type Phase,
  type Site,
  type Split,
  type Subject,
} from '../data/types';
import { importRoot } from './import-root';
import { MAX_VOXELS, readNifti, sliceOf, volumeFromSlices, writeNifti, type NiftiVolume } from './nifti';

export interface ImportOptions {
  /** File label value per structure (default ACDC: RV 1, MYO 2, LV 3). */
  labels?: LabelMap;
  /** Site recorded on the subjects (default B: ACDC-like data is our shifted site). */
  site?: Site;
  /** Split recorded on the subjects (default TEST). */
  split?: Split;
  /** The import root: every path opened must resolve inside it (OUTSIDE_ROOT otherwise). */
  root?: string;
}

const PATIENT_DIR = /^patient\d+$/;

/** Largest file read (a float32 volume at the voxel cap), checked before reading it. */
export const MAX_FILE_BYTES = MAX_VOXELS * 4 + 65536;

/** Where an import may look: `resolve` gives the path to open (its real path under a root). */
interface Opener {
  resolve(path: string): string;
}

function opener(root: string | undefined): Opener {
  return root === undefined ? { resolve: (path) => path } : importRoot(root);
}

function statOrNull(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new InvalidInputError('BAD_FORMAT', `${path}: a loop of symbolic links`);
    throw error;
  }
}

function readFile(open: Opener, path: string): Uint8Array {
  if (!statOrNull(path)) throw new InvalidInputError('FILE_NOT_FOUND', `file not found: ${path}`);
  const real = open.resolve(path);
  const stat = statSync(real);
  if (!stat.isFile()) throw new InvalidInputError('BAD_FORMAT', `${path} is not a regular file`);
  if (stat.size > MAX_FILE_BYTES)
    throw new InvalidInputError('TOO_LARGE', `${path} is ${stat.size} bytes (limit ${MAX_FILE_BYTES})`);
  return readFileSync(real);
}

/** The folder to list (its real path under a root), or FILE_NOT_FOUND. */
function openFolder(open: Opener, dir: string): string {
  if (!statOrNull(dir)?.isDirectory()) throw new InvalidInputError('FILE_NOT_FOUND', `not a folder: ${dir}`);
  return open.resolve(dir);
}

function withFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(error.code, `${path}: ${error.message}`);
    throw error;
  }
}

/** Parse Info.cfg: `Key: value` per line. */
export function parseInfoCfg(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z][\w ]*?)\s*:\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** class index per file label value; throws BAD_ARGUMENT on a bad map. */
function classLookup(labels: LabelMap): Map<number, number> {
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

/** Turn an image/label volume pair into labelled slices. */
export function slicesFromVolumes(
  image: NiftiVolume,
  label: NiftiVolume,
  subjectId: string,
  phase: Phase,
  labels: LabelMap = ACDC_LABELS,
): LabeledSlice[] {
  if (image.dims.length > 3 || label.dims.length > 3) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `expected 3-D volumes, got [${image.dims.join(', ')}] and [${label.dims.join(', ')}]`,
    );
  }
  if (image.dims.join() !== label.dims.join()) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `image [${image.dims.join(', ')}] and label [${label.dims.join(', ')}] differ in shape`,
    );
  }
  const lookup = classLookup(labels);
  const [nx, ny, nz] = image.dims;
  const out: LabeledSlice[] = [];
  for (let z = 0; z < nz; z++) {
    const img = sliceOf(image, z);
    const lab = sliceOf(label, z);
    const classes = new Uint8Array(nx * ny);
    for (let k = 0; k < classes.length; k++) {
      const c = lookup.get(lab.data[k]);
      if (c === undefined) {
        throw new InvalidInputError(
          'BAD_LABEL',
          `label value ${lab.data[k]} at slice ${z} is not in the label map (0, ${[...lookup.keys()].slice(1).join(', ')})`,
        );
      }
      classes[k] = c;
    }
    out.push({
      rows: nx,
      cols: ny,
      spacingMm: [image.spacingMm[0], image.spacingMm[1]],
      image: img.data,
      label: classes,
      subjectId,
      phase,
      sliceIndex: z,
      sliceCount: nz,
      position: nz > 1 ? z / (nz - 1) : 0.5,
    });
  }
  return out;
}

function frameName(patient: string, frame: number, gt: boolean): string {
  return `${patient}_frame${String(frame).padStart(2, '0')}${gt ? '_gt' : ''}.nii.gz`;
}

/** Read an ACDC-layout folder (patientXXX subfolders, sorted by name). */
export function readAcdcFolder(dir: string, options: ImportOptions = {}): Subject[] {
  const open = opener(options.root);
  const real = openFolder(open, dir);
  const patients = readdirSync(real)
    .filter((name) => PATIENT_DIR.test(name) && statOrNull(join(real, name))?.isDirectory())
    .sort();
  if (patients.length === 0) throw new InvalidInputError('BAD_FORMAT', `no patientXXX folders in ${dir}`);
  return patients.map((patient) => readAcdcPatient(open, openFolder(open, join(real, patient)), patient, options));
}

function readAcdcPatient(open: Opener, folder: string, patient: string, options: ImportOptions): Subject {
  const cfgPath = join(folder, 'Info.cfg');
  const info = parseInfoCfg(new TextDecoder().decode(readFile(open, cfgPath)));
  const frames: Record<Phase, number> = { ED: Number(info.ED), ES: Number(info.ES) };
  for (const phase of ['ED', 'ES'] as const) {
    if (!Number.isInteger(frames[phase]) || frames[phase] < 0) {
      throw new InvalidInputError('BAD_FORMAT', `${cfgPath}: missing or invalid "${phase}:" frame number`);
    }
  }
  const slices: LabeledSlice[] = [];
  let sliceSpacingMm: number | undefined;
  for (const phase of ['ED', 'ES'] as const) {
    const imagePath = join(folder, frameName(patient, frames[phase], false));
    const labelPath = join(folder, frameName(patient, frames[phase], true));
    const image = withFile(imagePath, () => readNifti(readFile(open, imagePath)));
    const label = withFile(labelPath, () => readNifti(readFile(open, labelPath)));
    slices.push(...withFile(labelPath, () => slicesFromVolumes(image, label, patient, phase, options.labels)));
    sliceSpacingMm = image.spacingMm[2];
  }
  const extra: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(info)) extra[k] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  const cfgSplit = info.Split === 'TRAIN' || info.Split === 'VAL' || info.Split === 'TEST' ? info.Split : undefined;
  const cfgSite = info.Site === 'A' || info.Site === 'B' ? info.Site : undefined;
  return {
    id: patient,
    site: options.site ?? cfgSite ?? 'B',
    group: info.Group ?? 'UNKNOWN',
    split: options.split ?? cfgSplit ?? 'TEST',
    slices,
    sliceSpacingMm,
    info: extra,
  };
}

/** Read a folder of `X.nii.gz` + `X_gt.nii.gz` pairs (sorted by X). */
export function readNiftiPairsFolder(folder: string, options: ImportOptions = {}): Subject[] {
  const open = opener(options.root);
  const dir = openFolder(open, folder);
  const files = readdirSync(dir).filter((f) => /\.nii(\.gz)?$/.test(f));
  const stem = (f: string) => f.replace(/\.nii(\.gz)?$/, '');
  const images = files.filter((f) => !stem(f).endsWith('_gt')).sort();
  const labels = new Set(files.filter((f) => stem(f).endsWith('_gt')));
  const used = new Set<string>();
  const subjects: Subject[] = images.map((f) => {
    const id = stem(f);
    const gt = [`${id}_gt.nii.gz`, `${id}_gt.nii`].find((g) => labels.has(g));
    if (!gt) throw new InvalidInputError('FILE_NOT_FOUND', `no label file ${id}_gt.nii.gz for image ${join(dir, f)}`);
    used.add(gt);
    const image = withFile(join(dir, f), () => readNifti(readFile(open, join(dir, f))));
    const label = withFile(join(dir, gt), () => readNifti(readFile(open, join(dir, gt))));
    return {
      id,
      site: options.site ?? 'B',
      group: 'UNKNOWN',
      split: options.split ?? 'TEST',
      slices: withFile(join(dir, gt), () => slicesFromVolumes(image, label, id, 'ED', options.labels)),
      sliceSpacingMm: image.spacingMm[2],
    };
  });
  const orphan = [...labels].find((g) => !used.has(g));
  if (orphan) throw new InvalidInputError('FILE_NOT_FOUND', `label file ${join(dir, orphan)} has no image`);
  if (subjects.length === 0) throw new InvalidInputError('BAD_FORMAT', `no NIfTI image/label pairs in ${dir}`);
  return subjects;
}

/**
 * Before an import is queued: every entry an import of `layout` would open (ACDC: the patientXXX
 * folders and everything in them; pairs: the .nii/.nii.gz files) resolves inside `root`. Reads no
 * file, so it is cheap enough to run in the request.
 */
export function checkImportFolder(dir: string, layout: 'ACDC' | 'NIFTI_PAIRS', root: string): void {
  const open = importRoot(root);
  const real = openFolder(open, dir);
  // Dangling links are left to the import, which names a missing file it needs.
  const check = (path: string) => statOrNull(path) && open.resolve(path);
  for (const name of readdirSync(real)) {
    const entry = join(real, name);
    if (layout === 'NIFTI_PAIRS') {
      if (/\.nii(\.gz)?$/.test(name)) check(entry);
    } else if (PATIENT_DIR.test(name) && statOrNull(entry)?.isDirectory()) {
      const patient = open.resolve(entry);
      for (const file of readdirSync(patient)) check(join(patient, file));
    }
  }
}

/**
 * Write one subject in ACDC layout under `dir/<id>/`: Info.cfg, and image (float32) and label
 * (uint8, ACDC values = class indices) volumes for ED and ES.
 */
export function writeAcdcSubject(dir: string, subject: Subject): void {
  const folder = join(dir, subject.id);
  mkdirSync(folder, { recursive: true });
  const info: Record<string, string | number> = {
    ED: 1,
    ES: 12,
    Group: subject.group,
    Height: 175,
    NbFrame: 30,
    Weight: 75,
    ...(subject.info ?? {}),
    Site: subject.site,
    Split: subject.split,
  };
  const keys = ['ED', 'ES', 'Group', 'Height', 'NbFrame', 'Weight'];
  const cfg = [
    ...keys,
    ...Object.keys(info)
      .filter((k) => !keys.includes(k))
      .sort(),
  ]
    .map((k) => `${k}: ${info[k]}`)
    .join('\n');
  writeFileSync(join(folder, 'Info.cfg'), `${cfg}\n`);
  for (const phase of ['ED', 'ES'] as const) {
    const slices = subject.slices.filter((s) => s.phase === phase).sort((a, b) => a.sliceIndex - b.sliceIndex);
    if (slices.length === 0) continue;
    const spacing = [slices[0].spacingMm[0], slices[0].spacingMm[1], subject.sliceSpacingMm ?? 10];
    const frame = Number(info[phase]);
    const image = volumeFromSlices(
      slices.map((s) => ({ rows: s.rows, cols: s.cols, data: s.image })),
      spacing,
    );
    const label = volumeFromSlices(
      slices.map((s) => ({ rows: s.rows, cols: s.cols, data: s.label })),
      spacing,
    );
    writeFileSync(join(folder, frameName(subject.id, frame, false)), writeNifti(image, { datatype: 'float32' }));
    writeFileSync(join(folder, frameName(subject.id, frame, true)), writeNifti(label, { datatype: 'uint8' }));
  }
}

/** Write subjects in ACDC layout (see writeAcdcSubject). */
export function writeAcdcFolder(dir: string, subjects: readonly Subject[]): void {
  mkdirSync(dir, { recursive: true });
  for (const s of subjects) writeAcdcSubject(dir, s);
}
