/**
 * `cardiac-uq biomarkers` as users run it: label volumes written by our NIfTI writer and by hand
 * (header bytes assembled here, so the spacing path does not rest on our writer), JSON compared
 * with volumes worked out in the comments, bad input giving exit 2 with nothing on stdout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNifti } from '../../src/engine/io/nifti';
import { runCli } from '../support/cli';

let dir: string;
const cli = (...args: string[]) => runCli(dir, ...args);

async function json(...args: string[]) {
  const r = await cli('biomarkers', ...args, '--json');
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return { out: JSON.parse(r.stdout), stderr: r.stderr };
}

async function expectBadInput(pattern: RegExp, ...args: string[]): Promise<void> {
  const r = await cli('biomarkers', ...args, '--json');
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
  expect(r.stderr).toMatch(pattern);
}

function file(name: string, bytes: Uint8Array): string {
  writeFileSync(join(dir, name), bytes);
  return name;
}

/** nx·ny slices holding n LV (3), MYO (2) and RV (1) pixels, in that order, the rest background. */
function slice(nx: number, ny: number, lv: number, myo: number, rv: number): number[] {
  const s = new Array<number>(nx * ny).fill(0);
  s.fill(3, 0, lv)
    .fill(2, lv, lv + myo)
    .fill(1, lv + myo, lv + myo + rv);
  return s;
}

function written(
  slices: number[][],
  dims: number[],
  spacing: number[],
  datatype: 'uint8' | 'float32' = 'uint8',
): Uint8Array {
  return writeNifti({ dims, spacingMm: spacing, data: Float32Array.from(slices.flat()) }, { datatype });
}

/**
 * An uncompressed little-endian NIfTI-1 file built field by field (offsets from nifti1.h): int16
 * voxels, dim[0] = ndim, pixdim[1..3], xyzt_units (2 mm, 3 µm), no scaling.
 */
function handMade(ndim: number, dims: number[], pixdim: number[], units: number, voxels: number[]): Uint8Array {
  const out = new Uint8Array(352 + 2 * voxels.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, true); // sizeof_hdr
  v.setInt16(40, ndim, true);
  for (let i = 0; i < 7; i++) v.setInt16(42 + 2 * i, dims[i] ?? 1, true);
  v.setInt16(70, 4, true); // datatype DT_INT16
  v.setInt16(72, 16, true); // bitpix
  v.setFloat32(76, 1, true); // pixdim[0] (qfac)
  for (let i = 0; i < 3; i++) v.setFloat32(80 + 4 * i, pixdim[i], true);
  v.setFloat32(108, 352, true); // vox_offset
  out[123] = units;
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  voxels.forEach((x, i) => v.setInt16(352 + 2 * i, x, true));
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cuq-biomarkers-'));
  // Writer files, 8×8 in-plane at 2 × 2.5 mm. ED: 2 slices, sz 10 mm → 50 mm³ = 0.05 ml a voxel;
  // LV 12 + 8 = 20 px = 1.0 ml, MYO 6 + 4 = 10 px = 0.5 ml (0.525 g), RV 10 + 6 = 16 px = 0.8 ml.
  file('ed.nii.gz', written([slice(8, 8, 12, 6, 10), slice(8, 8, 8, 4, 6)], [8, 8, 2], [2, 2.5, 10]));
  // ES: 3 slices, sz 8 mm → 40 mm³ = 0.04 ml; LV 4 + 4 + 2 = 10 px = 0.4 ml, MYO 4 + 4 + 4 = 12 px
  // = 0.48 ml (0.504 g), RV 5 + 5 + 5 = 15 px = 0.6 ml. LV SV 0.6, EF 0.6; RV SV 0.2, EF 0.25.
  file(
    'es.nii.gz',
    written([slice(8, 8, 4, 4, 5), slice(8, 8, 4, 4, 5), slice(8, 8, 2, 4, 5)], [8, 8, 3], [2, 2.5, 8]),
  );
  file('es-no-lv.nii.gz', written([slice(8, 8, 0, 4, 5)], [8, 8, 1], [2, 2.5, 8]));
  file('ed-no-lv.nii.gz', written([slice(8, 8, 0, 4, 5)], [8, 8, 1], [2, 2.5, 8]));
  // Hand-made, 4×3×2 at 1.25 × 1.5 × 6 mm → 11.25 mm³ = 0.01125 ml a voxel.
  // ED: LV 10, MYO 6, RV 5 px → 0.1125, 0.0675 (0.070875 g), 0.05625 ml.
  file('hand-ed.nii', handMade(3, [4, 3, 2], [1.25, 1.5, 6], 2, slice(4, 6, 10, 6, 5)));
  // ES in micrometres (pixdim 1250 × 1500 × 6000 µm = the same grid): LV 4, MYO 6, RV 3 px →
  // 0.045, 0.0675, 0.03375 ml. LV SV 0.0675, EF 0.6; RV SV 0.0225, EF 0.4.
  file('hand-es-um.nii', handMade(3, [4, 3, 2], [1250, 1500, 6000], 3, slice(4, 6, 4, 6, 3)));
  // Bad inputs.
  file('two-d.nii', handMade(2, [4, 3], [1.25, 1.5, 6], 2, slice(4, 3, 2, 2, 2)));
  file('zero-sz.nii', handMade(3, [4, 3, 2], [1.25, 1.5, 0], 2, slice(4, 6, 4, 6, 3)));
  file('nan-sx.nii', handMade(3, [4, 3, 2], [NaN, 1.5, 6], 2, slice(4, 6, 4, 6, 3)));
  file('cine.nii.gz', written([slice(8, 8, 1, 1, 1), slice(8, 8, 1, 1, 1)], [8, 8, 1, 2], [2, 2.5, 10, 30]));
  file('narrow.nii.gz', written([slice(8, 7, 4, 4, 5)], [8, 7, 1], [2, 2.5, 8]));
  file('other-sx.nii.gz', written([slice(8, 8, 4, 4, 5)], [8, 8, 1], [2.1, 2.5, 8]));
  const fractional = slice(8, 8, 4, 4, 5);
  fractional[20] = 1.5;
  file('fractional.nii.gz', written([fractional], [8, 8, 1], [2, 2.5, 8], 'float32'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cardiac-uq biomarkers', () => {
  it('prints exactly LV/RV volumes and EF and MYO mass, each phase from its own pixdim', async () => {
    const { out, stderr } = await json('--ed', 'ed.nii.gz', '--es', 'es.nii.gz');
    expect(Object.keys(out)).toEqual(['LV', 'RV', 'MYO']);
    expect(Object.keys(out.LV)).toEqual(['edv_ml', 'esv_ml', 'sv_ml', 'ef']);
    expect(Object.keys(out.RV)).toEqual(['edv_ml', 'esv_ml', 'sv_ml', 'ef']);
    expect(Object.keys(out.MYO)).toEqual(['mass_ed_g', 'mass_es_g']);
    const expected = { LV: [1.0, 0.4, 0.6, 0.6], RV: [0.8, 0.6, 0.2, 0.25] };
    for (const k of ['LV', 'RV'] as const) {
      const [edv, esv, sv, ef] = expected[k];
      expect(out[k].edv_ml).toBeCloseTo(edv, 10);
      expect(out[k].esv_ml).toBeCloseTo(esv, 10);
      expect(out[k].sv_ml).toBeCloseTo(sv, 10);
      expect(out[k].ef).toBeCloseTo(ef, 10);
    }
    expect(out.MYO.mass_ed_g).toBeCloseTo(0.525, 10);
    expect(out.MYO.mass_es_g).toBeCloseTo(0.504, 10);
    expect(stderr).toBe('');
  });

  it('reads hand-made headers, int16 voxels and micrometre units', async () => {
    const { out } = await json('--ed', 'hand-ed.nii', '--es', 'hand-es-um.nii');
    expect(out.LV.edv_ml).toBeCloseTo(0.1125, 10);
    expect(out.LV.esv_ml).toBeCloseTo(0.045, 10);
    expect(out.LV.sv_ml).toBeCloseTo(0.0675, 10);
    expect(out.LV.ef).toBeCloseTo(0.6, 10);
    expect(out.RV.edv_ml).toBeCloseTo(0.05625, 10);
    expect(out.RV.esv_ml).toBeCloseTo(0.03375, 10);
    expect(out.RV.ef).toBeCloseTo(0.4, 10);
    expect(out.MYO.mass_ed_g).toBeCloseTo(0.070875, 10);
    expect(out.MYO.mass_es_g).toBeCloseTo(0.070875, 10);
  });

  it('follows --labels', async () => {
    // LV=1, RV=3: the two swap.
    const { out } = await json('--ed', 'ed.nii.gz', '--es', 'es.nii.gz', '--labels', 'LV=1,MYO=2,RV=3');
    expect(out.LV.edv_ml).toBeCloseTo(0.8, 10);
    expect(out.RV.ef).toBeCloseTo(0.6, 10);
  });

  it('EF is null when EDV is 0, with a warning on stderr', async () => {
    const { out, stderr } = await json('--ed', 'ed-no-lv.nii.gz', '--es', 'es-no-lv.nii.gz');
    expect(out.LV).toEqual({ edv_ml: 0, esv_ml: 0, sv_ml: 0, ef: null });
    expect(out.RV.ef).toBeCloseTo(0, 10); // 5 px at both phases
    expect(stderr).toMatch(/LV EDV is 0 .* EF undefined/);
  });

  it('prints a readable table without --json', async () => {
    const r = await cli('biomarkers', '--ed', 'ed.nii.gz', '--es', 'es.nii.gz');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ED 2 slices of 2 × 2.5 × 10 mm, ES 3 slices of 2 × 2.5 × 8 mm/);
    expect(r.stdout).toMatch(/^LV\s+1\.00\s+0\.40\s+0\.60\s+60\.0 %$/m);
    expect(r.stdout).toMatch(/^RV\s+0\.80\s+0\.60\s+0\.20\s+25\.0 %$/m);
    expect(r.stdout).toMatch(/MYO mass\s+ED 0\.53 g, ES 0\.50 g/);
  });

  it('refuses bad input with exit 2 and writes nothing', async () => {
    await Promise.all([
      expectBadInput(/missing required option --es/, '--ed', 'ed.nii.gz'),
      expectBadInput(/missing required option --ed/, '--es', 'es.nii.gz'),
      expectBadInput(/ES segmentation file not found: absent\.nii\.gz/, '--ed', 'ed.nii.gz', '--es', 'absent.nii.gz'),
      expectBadInput(/ED segmentation two-d\.nii is 2-D/, '--ed', 'two-d.nii', '--es', 'hand-es-um.nii'),
      expectBadInput(/pixdim\[3\] = 0/, '--ed', 'hand-ed.nii', '--es', 'zero-sz.nii'),
      expectBadInput(/pixdim\[1\] = NaN/, '--ed', 'nan-sx.nii', '--es', 'hand-ed.nii'),
      expectBadInput(/2 frames/, '--ed', 'cine.nii.gz', '--es', 'es.nii.gz'),
      expectBadInput(/not on the same in-plane grid: ED 8×8 .* ES 8×7/, '--ed', 'ed.nii.gz', '--es', 'narrow.nii.gz'),
      expectBadInput(
        /not on the same in-plane grid: ED 8×8 at 2×2\.5 mm, ES 8×8 at 2\.1×2\.5 mm/,
        '--ed',
        'ed.nii.gz',
        '--es',
        'other-sx.nii.gz',
      ),
      expectBadInput(
        /ES segmentation slice z=0: value 1\.5 .* not in the label map/,
        '--ed',
        'ed.nii.gz',
        '--es',
        'fractional.nii.gz',
      ),
      expectBadInput(/--labels/, '--ed', 'ed.nii.gz', '--es', 'es.nii.gz', '--labels', 'LV=1'),
    ]);
  });
});
