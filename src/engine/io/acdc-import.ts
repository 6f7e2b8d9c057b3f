/**
 * ACDC-layout folders ↔ subjects (docs/design.md "Importing data"; file I/O lives in src/engine/io,
 * the rest of the engine stays pure).
 *
 * `DIR/patientXXX/Info.cfg` (lines `ED: 1`, `ES: 12`, `Group: DCM`, `Height: …`, `NbFrame: …`,
 * `Weight: …`; our writer adds `Site:` and `Split:`, read back when present, ImportOptions
 * override them). Per phase the image is `patientXXX_frameNN.nii.gz` (NN = the Info.cfg frame,
 * two digits) or, when that file is absent, frame NN of the 4-D cine `patientXXX_4d.nii.gz`;
 * ACDC frame numbers are 1-based, so frame NN is 4-D index NN − 1. The label
 * `patientXXX_frameNN_gt.nii.gz` is optional per phase (the ACDC test set ships without it):
 * a phase without one gives slices without ground truth.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors';
import type { MaybeLabeledSlice, Subject } from '../data/types';
import { entryExists, opener, openFolder, readFile, statOrNull, type Opener } from './import-files';
import { volumeFromSlices, writeNifti } from './nifti';
import {
  readSubjects,
  type FindOptions,
  type ImportedSubject,
  type ImportOptions,
  type PhaseFiles,
  type SubjectFiles,
} from './read-subjects';

export const PATIENT_DIR = /^patient\d+$/;

/** Parse Info.cfg: `Key: value` per line. */
export function parseInfoCfg(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z][\w ]*?)\s*:\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

function frameName(patient: string, frame: number, gt: boolean): string {
  return `${patient}_frame${String(frame).padStart(2, '0')}${gt ? '_gt' : ''}.nii.gz`;
}

/** The patientXXX folders of an ACDC-layout folder (sorted by name) and the files of each phase. */
export function findAcdcFiles(open: Opener, dir: string, find: FindOptions = {}): SubjectFiles[] {
  const real = openFolder(open, dir);
  const patients = readdirSync(real)
    .filter((name) => PATIENT_DIR.test(name) && statOrNull(join(real, name))?.isDirectory())
    .sort();
  if (patients.length === 0) throw new InvalidInputError('BAD_FORMAT', `no patientXXX folders in ${dir}`);
  return patients.map((patient) => {
    openFolder(open, join(real, patient));
    return findAcdcPatient(open, real, patient, find);
  });
}

function findAcdcPatient(open: Opener, dir: string, patient: string, find: FindOptions): SubjectFiles {
  const cfgPath = join(dir, patient, 'Info.cfg');
  const info = parseInfoCfg(new TextDecoder().decode(readFile(open, cfgPath)));
  const phases = (['ED', 'ES'] as const).map((phase): PhaseFiles => {
    const frame = Number(info[phase]);
    if (!/^\d+$/.test(info[phase] ?? ''))
      throw new InvalidInputError('BAD_FORMAT', `${cfgPath}: missing or invalid "${phase}:" frame number`);
    const rel = (name: string) => join(patient, name);
    const frameFile = rel(frameName(patient, frame, false));
    const cine = rel(`${patient}_4d.nii.gz`);
    const gt = rel(frameName(patient, frame, true));
    const label = entryExists(join(dir, gt)) ? gt : null;
    if (entryExists(join(dir, frameFile)) || find.labelsOnly)
      return { phase, image: frameFile, imageFrame: null, label, labelFrame: null };
    if (!entryExists(join(dir, cine)))
      throw new InvalidInputError('FILE_NOT_FOUND', `file not found: ${join(dir, frameFile)} (nor ${join(dir, cine)})`);
    if (frame < 1)
      throw new InvalidInputError('BAD_FORMAT', `${cfgPath}: "${phase}: ${frame}" is not a 1-based frame of ${cine}`);
    return { phase, image: cine, imageFrame: frame - 1, label, labelFrame: null };
  });
  const extra: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(info)) extra[k] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  const site = info.Site === 'A' || info.Site === 'B' ? info.Site : undefined;
  const split = info.Split === 'TRAIN' || info.Split === 'VAL' || info.Split === 'TEST' ? info.Split : undefined;
  return {
    id: patient,
    group: info.Group ?? 'UNKNOWN',
    ...(site ? { site } : {}),
    ...(split ? { split } : {}),
    info: extra,
    phases,
  };
}

/** Read an ACDC-layout folder (patientXXX subfolders, sorted by name). */
export function readAcdcFolder(dir: string, options: ImportOptions = {}): ImportedSubject[] {
  const open = opener(options.root);
  return readSubjects(open, openFolder(open, dir), findAcdcFiles(open, dir), options);
}

/**
 * Write one subject in ACDC layout under `dir/<id>/`: Info.cfg, and image (float32) and label
 * (uint8, ACDC values = class indices) volumes for ED and ES; a phase whose slices have no label
 * gets no label file.
 */
export function writeAcdcSubject(dir: string, subject: Subject<MaybeLabeledSlice>): void {
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
    writeFileSync(join(folder, frameName(subject.id, frame, false)), writeNifti(image, { datatype: 'float32' }));
    if (slices.every((s) => s.label === null)) continue;
    const label = volumeFromSlices(
      slices.map((s) => {
        if (!s.label)
          throw new InvalidInputError('BAD_ARGUMENT', `${subject.id} ${phase}: some slices have a label, some not`);
        return { rows: s.rows, cols: s.cols, data: s.label };
      }),
      spacing,
    );
    writeFileSync(join(folder, frameName(subject.id, frame, true)), writeNifti(label, { datatype: 'uint8' }));
  }
}

/** Write subjects in ACDC layout (see writeAcdcSubject). */
export function writeAcdcFolder(dir: string, subjects: readonly Subject<MaybeLabeledSlice>[]): void {
  mkdirSync(dir, { recursive: true });
  for (const s of subjects) writeAcdcSubject(dir, s);
}
