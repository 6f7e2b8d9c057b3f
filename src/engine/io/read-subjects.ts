/**
 * Reading what a layout found (docs/design.md "Importing data"): each layout module
 * (acdc-import.ts, mnms-import.ts, nifti-folder-import.ts) only names the files of every subject
 * and phase; this module reads them into subjects (images, labels where present, and each
 * image file's geometry for writing results back), or reads only the labels for ground truth
 * that arrives after import.
 */
import { join } from 'node:path';
import type { LabelMap, MaybeLabeledSlice, Phase, Site, Split, Subject } from '../data/types';
import { readFile, withFile, type Opener } from './import-files';
import { readNifti, readNiftiGeometry, type NiftiGeometry, type NiftiVolume } from './nifti';
import { labelSlices, slicesFromVolumes } from './volume-slices';

/** One phase of one subject as its layout names it; paths relative to the imported folder. */
export interface PhaseFiles {
  phase: Phase;
  image: string;
  /** 0-based frame of a 4-D image file; null for a 3-D file. */
  imageFrame: number | null;
  /** null: no ground truth for this phase. */
  label: string | null;
  labelFrame: number | null;
}

export interface SubjectFiles {
  id: string;
  group: string;
  site?: Site;
  split?: Split;
  vendor?: string;
  centre?: string;
  sliceSpacingMm?: number;
  info?: Record<string, string | number>;
  phases: PhaseFiles[];
}

/** Where a phase's slices came from: the image file, its frame, and its header's geometry. */
export interface VolumeSource {
  phase: Phase;
  sourceFile: string;
  frame: number | null;
  geometry: NiftiGeometry;
}

export type ImportedSubject = Subject<MaybeLabeledSlice> & { volumes: VolumeSource[] };

export interface ReadOptions {
  /** File label value per structure (default ACDC: RV 1, MYO 2, LV 3). */
  labels?: LabelMap;
  /** Site recorded on the subjects (default: the folder's, else B, our shifted site). */
  site?: Site;
  /** Split recorded on the subjects (default: the folder's, else TEST). */
  split?: Split;
}

export interface ImportOptions extends ReadOptions {
  /** The import root: every path opened must resolve inside it (OUTSIDE_ROOT otherwise). */
  root?: string;
}

/** What a layout looks for: images (an import), or only label files (ground truth attached later). */
export interface FindOptions {
  labelsOnly?: boolean;
}

/** Reads each file once per subject, as two phases may share one (the ED and ES frames of one cine). */
function fileReader(open: Opener, folder: string) {
  const read = new Map<string, { path: string; bytes: Uint8Array; volume?: NiftiVolume }>();
  const entry = (rel: string) => {
    const path = join(folder, rel);
    let e = read.get(path);
    if (!e) read.set(path, (e = { path, bytes: readFile(open, path) }));
    return e;
  };
  return {
    volume(rel: string): NiftiVolume {
      const e = entry(rel);
      e.volume ??= withFile(e.path, () => readNifti(e.bytes));
      return e.volume;
    },
    geometry(rel: string): NiftiGeometry {
      const e = entry(rel);
      return withFile(e.path, () => readNiftiGeometry(e.bytes));
    },
  };
}

/** Reads every subject: images, labels where named, geometry of each image file. */
export function readSubjects(
  open: Opener,
  folder: string,
  found: SubjectFiles[],
  options: ReadOptions = {},
): ImportedSubject[] {
  return found.map((s) => {
    const files = fileReader(open, folder);
    const slices: MaybeLabeledSlice[] = [];
    const volumes: VolumeSource[] = [];
    let sliceSpacingMm = s.sliceSpacingMm;
    for (const p of s.phases) {
      const image = files.volume(p.image);
      const geometry = files.geometry(p.image);
      const label = p.label === null ? null : files.volume(p.label);
      const blamed = join(folder, p.label ?? p.image);
      slices.push(
        ...withFile(blamed, () =>
          slicesFromVolumes(image, label, s.id, p.phase, options.labels, p.imageFrame, p.labelFrame),
        ),
      );
      volumes.push({ phase: p.phase, sourceFile: p.image, frame: p.imageFrame, geometry });
      sliceSpacingMm ??= image.spacingMm[2];
    }
    return {
      id: s.id,
      site: options.site ?? s.site ?? 'B',
      group: s.group,
      split: options.split ?? s.split ?? 'TEST',
      slices,
      volumes,
      ...(sliceSpacingMm !== undefined ? { sliceSpacingMm } : {}),
      ...(s.vendor !== undefined ? { vendor: s.vendor } : {}),
      ...(s.centre !== undefined ? { centre: s.centre } : {}),
      ...(s.info ? { info: s.info } : {}),
    };
  });
}

/** The ground truth of one phase: class indices per slice z, and the grid they were drawn on. */
export interface PhaseLabels {
  subjectId: string;
  phase: Phase;
  labelFile: string;
  rows: number;
  cols: number;
  slices: Uint8Array[];
}

/** Reads only the label files the layout named (phases without one are skipped). */
export function readLabelFiles(
  open: Opener,
  folder: string,
  found: SubjectFiles[],
  options: Pick<ReadOptions, 'labels'> = {},
): PhaseLabels[] {
  return found.flatMap((s) => {
    const files = fileReader(open, folder);
    return s.phases.flatMap((p) => {
      if (p.label === null) return [];
      const label = files.volume(p.label);
      const slices = withFile(join(folder, p.label), () => labelSlices(label, p.labelFrame, options.labels));
      return [
        { subjectId: s.id, phase: p.phase, labelFile: p.label, rows: label.dims[0], cols: label.dims[1], slices },
      ];
    });
  });
}
