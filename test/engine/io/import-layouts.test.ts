/**
 * Import layouts with labels optional (issue 15 item 1): ACDC without `_gt` files, ACDC 4-D cine
 * frames chosen from Info.cfg (1-based), M&Ms cines with their CSV (0-based frames, vendor,
 * centre), plain NIfTI images; geometry kept per volume; label-only reading; typed errors.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidInputError } from '../../../src/engine/errors';
import { requireLabels } from '../../../src/engine/data/require-labels';
import { checkImportFolder, readImportFolder, readLabelFolder } from '../../../src/engine/io/import-folder';
import { writeNifti, type NiftiVolume } from '../../../src/engine/io/nifti';
import { geometryHex, setObliqueGeometry } from './geometry-bytes';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.code;
    throw e;
  }
  return 'NO_ERROR';
};

/** A volume [nx, ny, nz(, nt)] whose voxel (x, y, z, t) is f(x, y, z, t), x-fastest as in a file. */
function volume(dims: number[], f: (x: number, y: number, z: number, t: number) => number): NiftiVolume {
  const [nx, ny, nz, nt = 1] = dims;
  const data = new Float32Array(nx * ny * nz * nt);
  for (let t = 0; t < nt; t++)
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[x + nx * (y + ny * (z + nz * t))] = f(x, y, z, t);
  return { dims, spacingMm: [1.25, 1.5, 8, 0.03].slice(0, dims.length), data };
}

/** Image intensity that names its voxel: 1000 t + 100 z + 10 x + y (+1 so nothing is 0). */
const named = (x: number, y: number, z: number, t: number) => 1000 * t + 100 * z + 10 * x + y + 1;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'layouts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (rel: string, bytes: Uint8Array | string) => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), bytes);
};

describe('ACDC layout, labels optional', () => {
  it('the test-set layout (no _gt files) gives slices whose label is null, and training refuses them', () => {
    write('patient101/Info.cfg', 'ED: 1\nES: 9\nGroup: NOR\n');
    write('patient101/patient101_frame01.nii.gz', writeNifti(volume([2, 3, 4], named)));
    write('patient101/patient101_frame09.nii.gz', writeNifti(volume([2, 3, 4], named)));
    write(
      'patient101/patient101_frame09_gt.nii.gz',
      writeNifti(
        volume([2, 3, 4], () => 3),
        { datatype: 'uint8' },
      ),
    );
    const [s] = readImportFolder(dir, 'ACDC');
    expect(s.slices.map((x) => [x.phase, x.sliceIndex, x.label === null])).toEqual([
      ['ED', 0, true],
      ['ED', 1, true],
      ['ED', 2, true],
      ['ED', 3, true],
      ['ES', 0, false],
      ['ES', 1, false],
      ['ES', 2, false],
      ['ES', 3, false],
    ]);
    expect(Array.from(s.slices[4].label!)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(s.volumes.map((v) => [v.phase, v.sourceFile, v.frame])).toEqual([
      ['ED', 'patient101/patient101_frame01.nii.gz', null],
      ['ES', 'patient101/patient101_frame09.nii.gz', null],
    ]);
    expect(() => requireLabels([s])).toThrow(expect.objectContaining({ code: 'LABELS_MISSING' }));
    expect(() => requireLabels([s])).toThrow(/4 of 8 slices have no ground-truth label/);
  });

  it('takes ED/ES from the 4-D cine when the frame files are absent: frame NN is index NN − 1', () => {
    write('patient102/Info.cfg', 'ED: 1\nES: 3\nGroup: DCM\nNbFrame: 4\n');
    write('patient102/patient102_4d.nii.gz', writeNifti(volume([2, 2, 3, 4], named)));
    // ES also has its label file, which ACDC ships beside the cine in the training set.
    write(
      'patient102/patient102_frame03_gt.nii.gz',
      writeNifti(
        volume([2, 2, 3], () => 1),
        { datatype: 'uint8' },
      ),
    );
    const [s] = readImportFolder(dir, 'ACDC');
    expect(s.slices).toHaveLength(6);
    // Row-major (rows = x): pixel (x, y) at x * 2 + y; ED = 4-D index 0, ES = index 2.
    expect(Array.from(s.slices[1].image)).toEqual([101, 102, 111, 112]);
    expect(Array.from(s.slices[5].image)).toEqual([2201, 2202, 2211, 2212]);
    expect(s.slices.map((x) => x.label !== null)).toEqual([false, false, false, true, true, true]);
    expect(s.volumes.map((v) => [v.phase, v.sourceFile, v.frame])).toEqual([
      ['ED', 'patient102/patient102_4d.nii.gz', 0],
      ['ES', 'patient102/patient102_4d.nii.gz', 2],
    ]);
    expect(s.volumes[0].geometry.dim.slice(0, 5)).toEqual([4, 2, 2, 3, 4]);
  });

  it('reads only the labels of a folder of Info.cfg and _gt files (ground truth that arrives later)', () => {
    write('patient105/Info.cfg', 'ED: 1\nES: 7\n');
    write(
      'patient105/patient105_frame07_gt.nii.gz',
      writeNifti(
        volume([2, 2, 2], (x) => x),
        { datatype: 'uint8' },
      ),
    );
    write('patient106/Info.cfg', 'ED: 2\nES: 9\n');
    const labels = readLabelFolder(dir, 'ACDC');
    // Rows = x: x = 0 → background, x = 1 → RV (file value 1).
    expect(labels.map((l) => [l.subjectId, l.phase, l.labelFile, l.rows, l.cols, Array.from(l.slices[1])])).toEqual([
      ['patient105', 'ES', 'patient105/patient105_frame07_gt.nii.gz', 2, 2, [0, 0, 1, 1]],
    ]);
    expect(codeOf(() => readImportFolder(dir, 'ACDC'))).toBe('FILE_NOT_FOUND');
  });

  it('refuses cine frames out of range, a 3-D file as cine, and ED: 0 for a cine', () => {
    write('patient103/Info.cfg', 'ED: 1\nES: 5\n');
    write('patient103/patient103_4d.nii.gz', writeNifti(volume([2, 2, 3, 4], named)));
    expect(codeOf(() => readImportFolder(dir, 'ACDC'))).toBe('BAD_FORMAT');
    expect(() => readImportFolder(dir, 'ACDC')).toThrow(/frame 4 \(0-based\) is outside the 4 frames/);
    write('patient103/Info.cfg', 'ED: 0\nES: 2\n');
    expect(codeOf(() => readImportFolder(dir, 'ACDC'))).toBe('BAD_FORMAT');
    for (const cfg of ['ED:\nES: 2\n', 'ED: 1.5\nES: 2\n', 'ED: NaN\nES: 2\n']) {
      write('patient103/Info.cfg', cfg);
      expect([cfg, codeOf(() => readImportFolder(dir, 'ACDC'))]).toEqual([cfg, 'BAD_FORMAT']);
    }
    write('patient103/Info.cfg', 'ED: 1\nES: 2\n');
    write('patient103/patient103_4d.nii.gz', writeNifti(volume([2, 2, 3], named)));
    expect(codeOf(() => readImportFolder(dir, 'ACDC'))).toBe('BAD_SHAPE');
  });

  it('refuses a 2-D image where a volume is needed and NaN voxels', () => {
    write('patient104/Info.cfg', 'ED: 1\nES: 2\n');
    write(
      'patient104/patient104_frame01.nii.gz',
      writeNifti({ dims: [2, 2], spacingMm: [1, 1], data: new Float32Array(4) }),
    );
    write('patient104/patient104_frame02.nii.gz', writeNifti(volume([2, 2, 1], named)));
    expect(codeOf(() => readImportFolder(dir, 'ACDC'))).toBe('BAD_SHAPE');
    expect(() => readImportFolder(dir, 'ACDC')).toThrow(/a 3-D volume is needed, got a 2-D file/);
    const nan = writeNifti(volume([2, 2, 1], named), { datatype: 'float32' });
    const raw = new Uint8Array(gunzipSync(nan));
    new DataView(raw.buffer).setFloat32(352, NaN, true);
    write('patient104/patient104_frame01.nii.gz', raw);
    expect(codeOf(() => readImportFolder(dir, 'ACDC'))).toBe('NON_FINITE');
  });
});

describe('M&Ms layout', () => {
  const CSV =
    'External code,VendorName,Vendor,Centre,ED,ES\n' + 'A0S9V9,Siemens,A,1,0,2\n' + 'B1C2D3,Philips,B,2,3,1\n';

  function mnms(withLabels: boolean) {
    write('info.csv', CSV);
    for (const code of ['A0S9V9', 'B1C2D3']) {
      write(`${code}/${code}_sa.nii.gz`, writeNifti(volume([2, 2, 3, 4], named)));
      if (withLabels)
        // Drawn only at the CSV's frames (A0S9V9: 0 and 2; B1C2D3: 3 and 1): class = frame + 0.
        write(
          `${code}/${code}_sa_gt.nii.gz`,
          writeNifti(
            volume([2, 2, 3, 4], (_x, _y, _z, t) =>
              (code === 'A0S9V9' ? [0, 2] : [3, 1]).includes(t) ? (t % 3) + 1 : 0,
            ),
            { datatype: 'uint8' },
          ),
        );
    }
  }

  it('reads the 0-based ED/ES frames of each cine, with vendor and centre from the CSV', () => {
    mnms(true);
    const subjects = readImportFolder(dir, 'MNMS');
    expect(subjects.map((s) => [s.id, s.vendor, s.centre, s.slices.length])).toEqual([
      ['A0S9V9', 'A', '1', 6],
      ['B1C2D3', 'B', '2', 6],
    ]);
    const b = subjects[1];
    // B1C2D3: ED = frame 3, ES = frame 1.
    expect(b.slices[0].image[0]).toBe(3001);
    expect(b.slices[3].image[0]).toBe(1001);
    expect(b.volumes.map((v) => [v.phase, v.sourceFile, v.frame])).toEqual([
      ['ED', 'B1C2D3/B1C2D3_sa.nii.gz', 3],
      ['ES', 'B1C2D3/B1C2D3_sa.nii.gz', 1],
    ]);
    // File values at ED (t = 3): 3 % 3 + 1 = 1, M&Ms LV → class 3; at ES (t = 1): 2, MYO → class 2.
    expect(Array.from(b.slices[0].label!)).toEqual([3, 3, 3, 3]);
    expect(Array.from(b.slices[3].label!)).toEqual([2, 2, 2, 2]);
    expect(b.info).toMatchObject({ VendorName: 'Philips', ED: 3, ES: 1 });
  });

  it('without _sa_gt files every slice is unlabelled', () => {
    mnms(false);
    const subjects = readImportFolder(dir, 'MNMS');
    expect(subjects.flatMap((s) => s.slices).every((s) => s.label === null)).toBe(true);
    expect(subjects.flatMap((s) => s.slices)).toHaveLength(12);
  });

  it('typed errors: missing CSV row, frame out of range, non-integer frame, label of another shape, undrawn frame', () => {
    mnms(false);
    write('info.csv', CSV.replace('B1C2D3,Philips,B,2,3,1\n', ''));
    expect(() => readImportFolder(dir, 'MNMS')).toThrow(/no row for subject B1C2D3/);
    write('info.csv', CSV.replace(',3,1', ',4,1'));
    expect(() => readImportFolder(dir, 'MNMS')).toThrow(/frame 4 \(0-based\) is outside the 4 frames/);
    write('info.csv', CSV.replace(',3,1', ',NaN,1'));
    expect(codeOf(() => readImportFolder(dir, 'MNMS'))).toBe('BAD_FORMAT');
    write('info.csv', CSV);
    write(
      'A0S9V9/A0S9V9_sa_gt.nii.gz',
      writeNifti(
        volume([2, 2, 3, 3], () => 1),
        { datatype: 'uint8' },
      ),
    );
    expect(() => readImportFolder(dir, 'MNMS')).toThrow(/differ in shape/);
    write(
      'A0S9V9/A0S9V9_sa_gt.nii.gz',
      writeNifti(
        volume([2, 2, 3, 4], (_x, _y, _z, t) => (t === 1 ? 1 : 0)),
        { datatype: 'uint8' },
      ),
    );
    expect(() => readImportFolder(dir, 'MNMS')).toThrow(
      /frame 0 \(0-based\) of the 4-D label file is background everywhere/,
    );
    write('other.csv', CSV);
    expect(() => readImportFolder(dir, 'MNMS')).toThrow(/exactly one \.csv/);
  });

  it('stays inside the import root: a CSV or cine linked outside is refused before the import', () => {
    mnms(false);
    const outside = mkdtempSync(join(tmpdir(), 'layouts-out-'));
    try {
      writeFileSync(join(outside, 'sheet.csv'), CSV);
      rmSync(join(dir, 'info.csv'));
      symlinkSync(join(outside, 'sheet.csv'), join(dir, 'info.csv'));
      expect(codeOf(() => checkImportFolder(dir, 'MNMS', dir))).toBe('OUTSIDE_ROOT');
      expect(codeOf(() => readImportFolder(dir, 'MNMS', { root: dir }))).toBe('OUTSIDE_ROOT');
      expect(codeOf(() => readImportFolder(dir, 'MNMS'))).toBe('NO_ERROR');
      rmSync(join(dir, 'info.csv'));
      writeFileSync(join(dir, 'info.csv'), CSV);
      renameSync(join(dir, 'A0S9V9', 'A0S9V9_sa.nii.gz'), join(outside, 'cine.nii.gz'));
      symlinkSync(join(outside, 'cine.nii.gz'), join(dir, 'A0S9V9', 'A0S9V9_sa.nii.gz'));
      expect(codeOf(() => checkImportFolder(dir, 'MNMS', dir))).toBe('OUTSIDE_ROOT');
      expect(codeOf(() => readImportFolder(dir, 'MNMS', { root: dir }))).toBe('OUTSIDE_ROOT');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('reads only the labels when asked, at the CSV frames', () => {
    mnms(true);
    rmSync(join(dir, 'A0S9V9', 'A0S9V9_sa_gt.nii.gz'));
    const labels = readLabelFolder(dir, 'MNMS');
    expect(labels.map((l) => [l.subjectId, l.phase, l.labelFile, l.slices.length, l.slices[0][0]])).toEqual([
      ['B1C2D3', 'ED', 'B1C2D3/B1C2D3_sa_gt.nii.gz', 3, 3],
      ['B1C2D3', 'ES', 'B1C2D3/B1C2D3_sa_gt.nii.gz', 3, 2],
    ]);
  });
});

describe('plain NIfTI folders and geometry', () => {
  it('keeps each image file header: a volume written back with the stored geometry has its bytes', () => {
    const raw = new Uint8Array(gunzipSync(writeNifti(volume([3, 2, 2], named))));
    const oblique = setObliqueGeometry(raw, [1.25, 1.5, 8]);
    write('scan.nii', oblique);
    write(
      'scan_gt.nii.gz',
      writeNifti(
        volume([3, 2, 2], () => 2),
        { datatype: 'uint8' },
      ),
    );
    write('other.nii.gz', writeNifti(volume([3, 2, 2], named)));
    const subjects = readImportFolder(dir, 'NIFTI_PAIRS');
    expect(subjects.map((s) => [s.id, s.slices.length, s.slices[0].label === null])).toEqual([
      ['other', 2, true],
      ['scan', 2, false],
    ]);
    const [volumeSource] = subjects[1].volumes;
    expect([volumeSource.sourceFile, volumeSource.frame]).toEqual(['scan.nii', null]);
    const back = writeNifti(
      volume([3, 2, 2], () => 0),
      { datatype: 'uint8', geometry: volumeSource.geometry },
    );
    expect(geometryHex(back)).toEqual(geometryHex(oblique));
    expect(readLabelFolder(dir, 'NIFTI_PAIRS').map((l) => [l.subjectId, l.labelFile])).toEqual([
      ['scan', 'scan_gt.nii.gz'],
    ]);
  });

  it('refuses a 4-D plain image (no frames known) and a label of another shape', () => {
    write('cine.nii.gz', writeNifti(volume([2, 2, 2, 3], named)));
    expect(codeOf(() => readImportFolder(dir, 'NIFTI_PAIRS'))).toBe('BAD_SHAPE');
    rmSync(join(dir, 'cine.nii.gz'));
    write('a.nii.gz', writeNifti(volume([2, 2, 2], named)));
    write(
      'a_gt.nii.gz',
      writeNifti(
        volume([2, 3, 2], () => 0),
        { datatype: 'uint8' },
      ),
    );
    expect(() => readImportFolder(dir, 'NIFTI_PAIRS')).toThrow(/differ in shape/);
  });
});
