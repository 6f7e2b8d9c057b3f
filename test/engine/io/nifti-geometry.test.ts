/**
 * Geometry preservation of the NIfTI writer (src/engine/io/nifti.ts): an input's dim, dim_info,
 * pixdim, units, qform and sform come back byte for byte from `writeNifti(…, { geometry })`,
 * checked on header bytes cut out independently (geometry-bytes.ts).
 */
import { InvalidInputError } from '../../../src/engine/errors';
import { readNifti, readNiftiGeometry, writeNifti } from '../../../src/engine/io/nifti';
import { handMadeNifti } from '../../fixtures/hand-nifti';
import { geometryHex, setObliqueGeometry } from './geometry-bytes';

const values = Array.from({ length: 4 * 3 * 2 }, (_, i) => i % 4);

describe('NIfTI geometry', () => {
  it('copies an oblique NIfTI-1 geometry bit for bit into uint8 and float32 outputs', () => {
    const input = setObliqueGeometry(
      handMadeNifti({ dims: [4, 3, 2], pixdim: [1.37, 1.41, 8.5], datatype: 16, bitpix: 32, values }),
      [1.37, 1.41, 8.5],
    );
    const g = readNiftiGeometry(input);
    expect(g).toMatchObject({ dimInfo: 0x39, xyztUnits: 10, qformCode: 1, sformCode: 2 });
    expect(g.dim.slice(0, 4)).toEqual([3, 4, 3, 2]);
    const vol = readNifti(input);
    for (const datatype of ['uint8', 'float32'] as const) {
      const out = writeNifti(vol, { datatype, geometry: g });
      expect(geometryHex(out)).toEqual(geometryHex(input));
      expect(readNifti(out).spacingMm).toEqual(vol.spacingMm);
    }
  });

  it('keeps dim[0] = 4 with one frame, and writes identity geometry without one', () => {
    const input = handMadeNifti({ dims: [4, 3, 2, 1], pixdim: [2, 2, 6, 0.5], datatype: 2, bitpix: 8, values });
    const out = writeNifti(readNifti(input), { datatype: 'uint8', geometry: readNiftiGeometry(input) });
    expect(geometryHex(out).dim).toBe(geometryHex(input).dim);
    const plain = geometryHex(writeNifti(readNifti(input), { datatype: 'uint8' }));
    expect(plain.qform_code).toBe('0100');
    expect(plain.dim.slice(0, 4)).toBe('0300'); // dim[0] = 3: the reader drops a single frame
  });

  it('reads a NIfTI-2 geometry (float64) and writes it rounded to float32', () => {
    // 540-byte NIfTI-2 header by the standard's offsets, little-endian.
    const buf = new Uint8Array(544 + values.length);
    const v = new DataView(buf.buffer);
    v.setInt32(0, 540, true);
    'n+2\0\r\n\x1a\n'.split('').forEach((c, i) => (buf[4 + i] = c.charCodeAt(0)));
    v.setInt16(12, 2, true);
    v.setInt16(14, 8, true);
    [3, 4, 3, 2, 1, 1, 1, 1].forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), true));
    [1, 1.1, 1.2, 9.3, 0, 0, 0, 0].forEach((p, i) => v.setFloat64(104 + 8 * i, p, true));
    v.setBigInt64(168, 544n, true);
    v.setFloat64(176, 1, true);
    v.setInt32(344, 1, true);
    v.setInt32(348, 4, true);
    [0.1, 0.2, 0.3].forEach((q, i) => v.setFloat64(352 + 8 * i, q, true));
    [-1.1, 2.2, -3.3].forEach((q, i) => v.setFloat64(376 + 8 * i, q, true));
    Array.from({ length: 12 }, (_, i) => i / 7).forEach((q, i) => v.setFloat64(400 + 8 * i, q, true));
    v.setInt32(500, 2, true);
    buf[524] = 0x12;
    values.forEach((x, i) => (buf[544 + i] = x));
    const g = readNiftiGeometry(buf);
    expect(g).toEqual({
      dim: [3, 4, 3, 2, 1, 1, 1, 1],
      dimInfo: 0x12,
      pixdim: [1, 1.1, 1.2, 9.3, 0, 0, 0, 0],
      xyztUnits: 2,
      qformCode: 1,
      sformCode: 4,
      quatern: [0.1, 0.2, 0.3],
      qoffset: [-1.1, 2.2, -3.3],
      srow: Array.from({ length: 12 }, (_, i) => i / 7),
    });
    const out = readNiftiGeometry(writeNifti(readNifti(buf), { datatype: 'uint8', geometry: g }));
    expect(out.srow).toEqual(g.srow.map(Math.fround));
    expect(out.pixdim).toEqual(g.pixdim.map(Math.fround));
    expect(out.sformCode).toBe(4);
  });

  it('refuses a geometry whose dim does not describe the volume', () => {
    const input = handMadeNifti({ dims: [4, 3, 2], pixdim: [1, 1, 1], datatype: 2, bitpix: 8, values });
    const g = readNiftiGeometry(input);
    const other = readNifti(handMadeNifti({ dims: [3, 4, 2], pixdim: [1, 1, 1], datatype: 2, bitpix: 8, values }));
    expect(() => writeNifti(other, { datatype: 'uint8', geometry: g })).toThrow(InvalidInputError);
    expect(() => writeNifti(other, { datatype: 'uint8', geometry: { ...g, dim: [2, 3, 4, 2, 1, 1, 1, 1] } })).toThrow(
      /does not describe/,
    );
  });
});
