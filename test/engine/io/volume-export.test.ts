/**
 * Exported volumes (src/engine/io/volume-export.ts): per-slice maps land at the voxels the
 * importer cut them from, in the input's header (geometry fields checked on bytes cut out
 * independently, geometry-bytes.ts), a 4-D cine header as one 3-D frame.
 */
import { gunzipSync } from 'node:zlib';
import { InvalidInputError } from '../../../src/engine/errors';
import { readNifti, readNiftiGeometry } from '../../../src/engine/io/nifti';
import { floatVolume, segmentationVolume, volumeGeometry } from '../../../src/engine/io/volume-export';
import { handMadeNifti } from '../../fixtures/hand-nifti';
import { geometryHex, setObliqueGeometry } from './geometry-bytes';

// nx = 3 rows (NIfTI x), ny = 4 cols (NIfTI y), nz = 2 slices.
const grid = { rows: 3, cols: 4, slices: 2, spacingMm: [1.5, 1.25] as const };
/** Slice z's row-major map (index x * 4 + y) with value f(x, y, z). */
const mapOf = (z: number, f: (x: number, y: number, z: number) => number) => ({
  z,
  data: Array.from({ length: 12 }, (_, i) => f(Math.floor(i / 4), i % 4, z)),
});

describe('volume export', () => {
  it('puts map value [x·cols + y] of slice z at voxel x + nx·(y + ny·z)', () => {
    const maps = [1, 0].map((z) => mapOf(z, (x, y, zz) => 100 * x + 10 * y + zz)); // out of z order on purpose
    const vol = readNifti(floatVolume(maps, grid, null));
    expect(vol.dims).toEqual([3, 4, 2]);
    // By hand: voxel (2, 1, 1) is at 2 + 3·(1 + 4·1) = 17 and holds 211; (0, 3, 0) at 9 holds 30.
    expect(vol.data[17]).toBe(211);
    expect(vol.data[9]).toBe(30);
    expect(vol.data[0]).toBe(0);
    expect(vol.data[23]).toBe(231); // (2, 3, 1)
    for (let z = 0; z < 2; z++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 3; x++) expect(vol.data[x + 3 * (y + 4 * z)]).toBe(100 * x + 10 * y + z);
    // Without a stored header: the slices' in-plane spacing, 1 mm between slices.
    expect(vol.spacingMm).toEqual([1.5, 1.25, 1]);
  });

  it('writes the segmentation as uint8 in the label values (class 1 RV, 2 MYO, 3 LV)', () => {
    const maps = [0, 1].map((z) => mapOf(z, (x, y, zz) => (x + y + zz) % 4));
    const acdc = readNifti(segmentationVolume(maps, grid, null));
    expect(acdc.data[17]).toBe((2 + 1 + 1) % 4); // class 0 stays 0
    expect(acdc.data[1]).toBe(1); // (1, 0, 0): class 1 = RV = 1
    const custom = readNifti(segmentationVolume(maps, grid, null, { RV: 10, MYO: 20, LV: 30 }));
    expect(custom.data[2]).toBe(20); // (2, 0, 0): class 2 = MYO
    expect(custom.data[3]).toBe(10); // (0, 1, 0): class 1 = RV
    expect(custom.data[5]).toBe(30); // (2, 1, 0): class 3 = LV
  });

  it('copies the input header: 3-D as it is, 4-D cine as one frame (dim[0] = 3, dim[4] = 1)', () => {
    const values = Array.from({ length: 24 }, (_, i) => i % 4);
    const input = setObliqueGeometry(
      handMadeNifti({ dims: [3, 4, 2], pixdim: [1.37, 1.41, 8.5], datatype: 4, bitpix: 16, values }),
      [1.37, 1.41, 8.5],
    );
    const maps = [0, 1].map((z) => mapOf(z, (x, y) => (x * y) % 4));
    const g = readNiftiGeometry(input);
    for (const out of [segmentationVolume(maps, grid, g), floatVolume(maps, grid, g)]) {
      expect(geometryHex(out)).toEqual(geometryHex(input));
      // The whole 348-byte header but the writer's own fields: datatype, bitpix (70–73), scl_slope,
      // scl_inter (112–119) and descrip (148–227), which the hand-made input leaves empty.
      const header = (file: Uint8Array) => {
        const raw = file[0] === 0x1f ? gunzipSync(file) : file;
        const bytes = Buffer.from(raw.subarray(0, 348));
        for (const [from, to] of [
          [70, 74],
          [112, 120],
          [148, 228],
        ])
          bytes.fill(0, from, to);
        return bytes.toString('hex');
      };
      expect(header(out)).toBe(header(input));
    }

    const cine = setObliqueGeometry(
      handMadeNifti({ dims: [3, 4, 2, 5], pixdim: [1.37, 1.41, 8.5, 30], datatype: 4, bitpix: 16, values: [] }),
      [1.37, 1.41, 8.5],
    );
    const cineGeometry = readNiftiGeometry(cine);
    expect(cineGeometry.dim.slice(0, 5)).toEqual([4, 3, 4, 2, 5]);
    const out = geometryHex(segmentationVolume(maps, grid, cineGeometry));
    const expected = geometryHex(cine);
    // dim[0] = 3 and dim[4] = 1 (int16 little-endian), every other byte of the header's geometry as it was.
    expect(out.dim).toBe('0300' + expected.dim.slice(4, 16) + '0100' + expected.dim.slice(20));
    expect({ ...out, dim: '' }).toEqual({ ...expected, dim: '' });
    expect(volumeGeometry(cineGeometry).pixdim).toEqual(cineGeometry.pixdim);
  });

  it('refuses a missing, repeated or misshapen slice and a class index outside 0..3', () => {
    const ok = mapOf(0, () => 0);
    expect(() => floatVolume([ok], grid, null)).toThrow(InvalidInputError);
    expect(() => floatVolume([ok, ok], grid, null)).toThrow(/outside a stack of 2 or repeated/);
    expect(() => floatVolume([ok, { z: 1, data: [1, 2] }], grid, null)).toThrow(/2 values, expected 12/);
    expect(() => segmentationVolume([ok, mapOf(1, () => 4)], grid, null)).toThrow(/class index 4/);
  });
});
