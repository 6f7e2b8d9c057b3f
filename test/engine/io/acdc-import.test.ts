import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePhantomSubject } from '../../../src/engine/data/phantom';
import { InvalidInputError } from '../../../src/engine/errors';
import { parseInfoCfg, readAcdcFolder, writeAcdcFolder } from '../../../src/engine/io/acdc-import';
import { checkImportFolder } from '../../../src/engine/io/import-folder';
import { readNiftiPairsFolder } from '../../../src/engine/io/nifti-folder-import';
import { volumeFromSlices, writeNifti } from '../../../src/engine/io/nifti';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.code;
    throw e;
  }
  return 'NO_ERROR';
};

describe('ACDC folders', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'acdc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses Info.cfg', () => {
    expect(parseInfoCfg('ED: 1\nES: 12\r\nGroup: DCM\nHeight: 184.0\n\nNbFrame: 30\n')).toEqual({
      ED: '1',
      ES: '12',
      Group: 'DCM',
      Height: '184.0',
      NbFrame: '30',
    });
  });

  it('writes a phantom subject and reads it back exactly', () => {
    const sub = generatePhantomSubject('A', 0, 3, 'VAL');
    writeAcdcFolder(dir, [sub]);
    const [back] = readAcdcFolder(dir);
    expect(back.id).toBe(sub.id);
    expect(back.group).toBe(sub.group);
    expect(back.split).toBe('VAL');
    expect(back.site).toBe('A');
    expect(back.slices.length).toBe(sub.slices.length);
    expect(back.sliceSpacingMm).toBeCloseTo(sub.sliceSpacingMm!, 5);
    back.slices.forEach((s, k) => {
      const o = sub.slices[k];
      expect([s.phase, s.sliceIndex, s.rows, s.cols]).toEqual([o.phase, o.sliceIndex, o.rows, o.cols]);
      expect(s.spacingMm[0]).toBeCloseTo(o.spacingMm[0], 5);
      expect(Buffer.from(s.image.buffer).equals(Buffer.from(o.image.buffer))).toBe(true);
      expect(Buffer.from(s.label!).equals(Buffer.from(o.label))).toBe(true);
    });
  });

  /** A tiny ACDC patient written with our NIfTI writer; label values as given. */
  function tinyPatient(labelValues: number[], labelDims = [2, 2, 1]) {
    const p = join(dir, 'patient001');
    mkdirSync(p);
    writeFileSync(join(p, 'Info.cfg'), 'ED: 1\nES: 3\nGroup: NOR\n');
    const img = volumeFromSlices([{ rows: 2, cols: 2, data: [1, 2, 3, 4] }], [1.5, 1.5, 10]);
    const lab = { dims: labelDims, spacingMm: [1.5, 1.5, 10], data: Float32Array.from(labelValues) };
    for (const f of [1, 3]) {
      writeFileSync(join(p, `patient001_frame0${f}.nii.gz`), writeNifti(img));
      writeFileSync(join(p, `patient001_frame0${f}_gt.nii.gz`), writeNifti(lab, { datatype: 'uint8' }));
    }
  }

  it('maps label values through a LabelMap', () => {
    tinyPatient([0, 10, 20, 30]);
    const [s] = readAcdcFolder(dir, { labels: { RV: 30, MYO: 20, LV: 10 }, site: 'A', split: 'TRAIN' });
    // file voxels x-fastest (0,0)=0 (1,0)=10 (0,1)=20 (1,1)=30 → row-major x*2+y: [0, 20, 10, 30] → classes
    expect(Array.from(s.slices[0].label!)).toEqual([0, 2, 3, 1]);
    expect([s.site, s.split, s.group]).toEqual(['A', 'TRAIN', 'NOR']);
    // rows = x: data x-fastest [1,2,3,4] for a 2×2 slice → row-major [1,3,2,4]
    expect(Array.from(s.slices[0].image)).toEqual([1, 2, 3, 4]);
  });

  it('rejects labels outside the map (BAD_LABEL) and shape mismatch (BAD_SHAPE)', () => {
    tinyPatient([0, 1, 2, 7]);
    expect(codeOf(() => readAcdcFolder(dir))).toBe('BAD_LABEL');
    rmSync(join(dir, 'patient001'), { recursive: true });
    tinyPatient([0, 1, 2, 3, 0, 0], [2, 3, 1]);
    expect(codeOf(() => readAcdcFolder(dir))).toBe('BAD_SHAPE');
  });

  it('reports missing files and folders', () => {
    expect(codeOf(() => readAcdcFolder(join(dir, 'nope')))).toBe('FILE_NOT_FOUND');
    expect(codeOf(() => readAcdcFolder(dir))).toBe('BAD_FORMAT');
    tinyPatient([0, 1, 2, 3]);
    const es = join(dir, 'patient001', 'patient001_frame03.nii.gz');
    renameSync(es, `${es}.away`);
    expect(codeOf(() => readAcdcFolder(dir))).toBe('FILE_NOT_FOUND');
    renameSync(`${es}.away`, es);
    writeFileSync(join(dir, 'patient001', 'Info.cfg'), 'Group: NOR\n');
    expect(codeOf(() => readAcdcFolder(dir))).toBe('BAD_FORMAT');
    writeFileSync(join(dir, 'patient001', 'Info.cfg'), 'ED: 1\nES: 3\n');
    writeFileSync(
      join(dir, 'patient001', 'patient001_frame03_gt.nii.gz'),
      Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
    );
    expect(codeOf(() => readAcdcFolder(dir))).toBe('BAD_FORMAT');
  });

  it('reads plain images with optional labels and rejects orphan labels', () => {
    const img = volumeFromSlices(
      [
        { rows: 2, cols: 2, data: [1, 2, 3, 4] },
        { rows: 2, cols: 2, data: [5, 6, 7, 8] },
      ],
      [1, 1, 8],
    );
    const lab = volumeFromSlices(
      [
        { rows: 2, cols: 2, data: [0, 1, 2, 3] },
        { rows: 2, cols: 2, data: [3, 3, 0, 0] },
      ],
      [1, 1, 8],
    );
    writeFileSync(join(dir, 'caseB.nii.gz'), writeNifti(img));
    writeFileSync(join(dir, 'caseB_gt.nii.gz'), writeNifti(lab, { datatype: 'uint8' }));
    writeFileSync(join(dir, 'caseA.nii.gz'), writeNifti(img));
    writeFileSync(join(dir, 'caseA_gt.nii.gz'), writeNifti(lab, { datatype: 'uint8' }));
    const subs = readNiftiPairsFolder(dir);
    expect(subs.map((s) => s.id)).toEqual(['caseA', 'caseB']);
    expect(subs[0].slices.map((s) => Array.from(s.label!))).toEqual([
      [0, 1, 2, 3],
      [3, 3, 0, 0],
    ]);
    expect(subs[0].slices.map((s) => s.position)).toEqual([0, 1]);
    writeFileSync(join(dir, 'lonely_gt.nii.gz'), writeNifti(lab, { datatype: 'uint8' }));
    expect(codeOf(() => readNiftiPairsFolder(dir))).toBe('FILE_NOT_FOUND');
    rmSync(join(dir, 'lonely_gt.nii.gz'));
    // An image without a label is a subject without ground truth.
    writeFileSync(join(dir, 'solo.nii.gz'), writeNifti(img));
    const solo = readNiftiPairsFolder(dir).find((s) => s.id === 'solo')!;
    expect(solo.slices.map((s) => s.label)).toEqual([null, null]);
  });
});

describe('the import root: every folder and file opened resolves inside it (issue 14 item 1)', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'acdc-root-'));
    outside = mkdtempSync(join(tmpdir(), 'acdc-outside-'));
  });
  afterEach(() => {
    for (const d of [root, outside]) rmSync(d, { recursive: true, force: true });
  });
  const patient = (dir: string, id: string) =>
    writeAcdcFolder(dir, [{ ...generatePhantomSubject('A', 0, 2, 'TEST'), id }]);

  it('refuses a nested symlinked patient folder that leads outside, which it reads without a root', () => {
    patient(join(root, 'inner2'), 'patient001');
    patient(outside, 'patient007');
    symlinkSync(join(outside, 'patient007'), join(root, 'inner2', 'patient007'));
    expect(readAcdcFolder(join(root, 'inner2')).map((s) => s.id)).toEqual(['patient001', 'patient007']);
    expect(codeOf(() => readAcdcFolder(join(root, 'inner2'), { root }))).toBe('OUTSIDE_ROOT');
    expect(codeOf(() => checkImportFolder(join(root, 'inner2'), 'ACDC', root))).toBe('OUTSIDE_ROOT');
    expect(() => readAcdcFolder(join(root, 'inner2'), { root })).toThrow(
      /inner2\/patient007 leads outside the import root$/,
    );
  });

  it('refuses a file symlink inside a patient folder that leads outside; the message does not say where', () => {
    patient(root, 'patient001');
    const image = join(root, 'patient001', 'patient001_frame01.nii.gz');
    renameSync(image, join(outside, 'secret.nii.gz'));
    symlinkSync(join(outside, 'secret.nii.gz'), image);
    let message = '';
    try {
      readAcdcFolder(root, { root });
    } catch (e) {
      message = (e as Error).message;
      expect((e as InvalidInputError).code).toBe('OUTSIDE_ROOT');
    }
    expect(message).toMatch(/patient001_frame01\.nii\.gz leads outside the import root/);
    expect(message).not.toContain(outside);
    expect(codeOf(() => checkImportFolder(root, 'ACDC', root))).toBe('OUTSIDE_ROOT');
  });

  it('refuses NIfTI pairs whose label links outside', () => {
    const vol = volumeFromSlices([{ rows: 2, cols: 2, data: [0, 1, 2, 3] }], [1, 1, 8]);
    writeFileSync(join(root, 'case.nii.gz'), writeNifti(vol));
    writeFileSync(join(outside, 'case_gt.nii.gz'), writeNifti(vol, { datatype: 'uint8' }));
    symlinkSync(join(outside, 'case_gt.nii.gz'), join(root, 'case_gt.nii.gz'));
    expect(codeOf(() => readNiftiPairsFolder(root, { root }))).toBe('OUTSIDE_ROOT');
    expect(codeOf(() => checkImportFolder(root, 'NIFTI_PAIRS', root))).toBe('OUTSIDE_ROOT');
  });

  it('follows links that stay inside the root, also when the root itself is reached through a link', () => {
    patient(join(root, 'store'), 'patient003');
    mkdirSync(join(root, 'study'));
    symlinkSync(join(root, 'store', 'patient003'), join(root, 'study', 'patient003'));
    const viaLink = join(outside, 'root-link');
    symlinkSync(root, viaLink);
    expect(readAcdcFolder(join(viaLink, 'study'), { root: viaLink }).map((s) => s.id)).toEqual(['patient003']);
    expect(codeOf(() => checkImportFolder(join(viaLink, 'study'), 'ACDC', viaLink))).toBe('NO_ERROR');
  });

  it('the request-time check reads no file: a broken image passes it and fails the import', () => {
    patient(root, 'patient001');
    writeFileSync(join(root, 'patient001', 'patient001_frame01.nii.gz'), 'not a NIfTI');
    expect(codeOf(() => checkImportFolder(root, 'ACDC', root))).toBe('NO_ERROR');
    expect(codeOf(() => readAcdcFolder(root, { root }))).toBe('BAD_FORMAT');
  });

  it('reads only regular files: a FIFO is refused at once instead of blocking the worker', () => {
    patient(root, 'patient001');
    const image = join(root, 'patient001', 'patient001_frame01.nii.gz');
    rmSync(image);
    execFileSync('mkfifo', [image]);
    expect(codeOf(() => readAcdcFolder(root, { root }))).toBe('BAD_FORMAT');
  });

  it('a loop of symbolic links is a typed error', () => {
    patient(root, 'patient001');
    symlinkSync(join(root, 'patient002'), join(root, 'patient002'));
    expect(codeOf(() => readAcdcFolder(root, { root }))).toBe('BAD_FORMAT');
    expect(codeOf(() => checkImportFolder(root, 'ACDC', root))).toBe('BAD_FORMAT');
  });
});
