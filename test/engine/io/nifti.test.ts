import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync as gzipNode } from 'node:zlib';
import seedrandom from 'seedrandom';
import { gunzipSync, gzipSync } from 'fflate';
import { InvalidInputError } from '../../../src/engine/errors';
import { MAX_VOXELS, readNifti, sliceOf, volumeFromSlices, writeNifti } from '../../../src/engine/io/nifti';
import { handMadeNifti } from '../../fixtures/hand-nifti';
import { spawnCli } from '../../support/serve-process';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.code;
    throw e;
  }
  return 'NO_ERROR';
}

describe('readNifti on hand-made files', () => {
  const values = Array.from({ length: 24 }, (_, i) => i * 3 - 7); // 4 × 3 × 2
  it('reads int16 little-endian with known header values, gzipped or not', () => {
    const raw = handMadeNifti({ dims: [4, 3, 2], pixdim: [1.25, 1.5, 8], datatype: 4, bitpix: 16, values });
    for (const bytes of [raw, gzipSync(raw)]) {
      const vol = readNifti(bytes);
      expect(vol.dims).toEqual([4, 3, 2]);
      expect(vol.spacingMm).toEqual([1.25, 1.5, 8]);
      expect(Array.from(vol.data)).toEqual(values);
    }
  });
  it('reads big-endian float64 and applies scl_slope / scl_inter', () => {
    const raw = handMadeNifti({
      dims: [4, 3, 2],
      pixdim: [2, 2, 10],
      datatype: 64,
      bitpix: 64,
      values,
      slope: 0.5,
      inter: 10,
      littleEndian: false,
    });
    const vol = readNifti(raw);
    expect(Array.from(vol.data)).toEqual(values.map((x) => x * 0.5 + 10));
  });
  it('treats scl_slope 0 (or non-finite) as no scaling, scl_inter ignored too, as nibabel does', () => {
    // nibabel Nifti1Header.get_slope_inter: slope 0 or non-finite -> (None, None), the stored values.
    for (const slope of [0, NaN, Infinity]) {
      for (const inter of [0, 1, -7.5, NaN]) {
        const raw = handMadeNifti({
          dims: [2, 2, 1],
          pixdim: [1, 1, 1],
          datatype: 2,
          bitpix: 8,
          values: [0, 1, 2, 3],
          slope,
          inter,
        });
        expect([slope, inter, Array.from(readNifti(raw).data)]).toEqual([slope, inter, [0, 1, 2, 3]]);
      }
    }
  });
  it('refuses a valid scl_slope with a non-finite scl_inter (nibabel: HeaderDataError)', () => {
    for (const inter of [NaN, Infinity, -Infinity]) {
      const raw = handMadeNifti({
        dims: [2, 2, 1],
        pixdim: [1, 1, 1],
        datatype: 2,
        bitpix: 8,
        values: [0, 1, 2, 3],
        slope: 2,
        inter,
      });
      expect(codeOf(() => readNifti(raw))).toBe('BAD_FORMAT');
    }
  });
  it('pads a 2-D file to [nx, ny, 1] and keeps a 4-D cine', () => {
    const two = handMadeNifti({ dims: [2, 3], pixdim: [1, 2], datatype: 2, bitpix: 8, values: [1, 2, 3, 4, 5, 6] });
    expect(readNifti(two).dims).toEqual([2, 3, 1]);
    const four = handMadeNifti({
      dims: [2, 1, 2, 3],
      pixdim: [1, 1, 5, 30],
      datatype: 2,
      bitpix: 8,
      values: Array.from({ length: 12 }, (_, i) => i),
    });
    const vol = readNifti(four);
    expect(vol.dims).toEqual([2, 1, 2, 3]);
    expect(vol.spacingMm).toEqual([1, 1, 5, 30]);
    // frame 2, slice 1, x 1: index 1 + 2 * (0 + 1 * (1 + 2 * 2)) = 11
    expect(Array.from(sliceOf(vol, 1, 2).data)).toEqual([10, 11]);
  });
  it('sliceOf transposes to row-major rows = x, cols = y', () => {
    const raw = handMadeNifti({ dims: [4, 3, 2], pixdim: [1, 1, 1], datatype: 4, bitpix: 16, values });
    const vol = readNifti(raw);
    const s = sliceOf(vol, 1);
    expect([s.rows, s.cols]).toEqual([4, 3]);
    for (let x = 0; x < 4; x++)
      for (let y = 0; y < 3; y++) {
        expect(s.data[x * 3 + y]).toBe(values[x + 4 * y + 12]);
      }
  });
  it('sliceOf fills a given buffer with the same values, and refuses one of the wrong size', () => {
    const vol = readNifti(handMadeNifti({ dims: [4, 3, 2], pixdim: [1, 1, 1], datatype: 4, bitpix: 16, values }));
    const out = new Float32Array(12).fill(-1);
    expect(sliceOf(vol, 0, 0, out).data).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(sliceOf(vol, 0).data));
    expect(() => sliceOf(vol, 0, 0, new Float32Array(11))).toThrow(RangeError);
  });
});

describe('writeNifti', () => {
  const vol = volumeFromSlices(
    [0, 1, 2].map((z) => ({ rows: 5, cols: 4, data: Float32Array.from({ length: 20 }, (_, i) => z * 100 + i) })),
    [1.8, 1.9, 8],
  );
  it('round-trips float32, int16 and uint8', () => {
    for (const datatype of ['float32', 'int16', 'uint8'] as const) {
      const back = readNifti(writeNifti(vol, { datatype }));
      expect(back.dims).toEqual([5, 4, 3]);
      expect(back.spacingMm[0]).toBeCloseTo(1.8, 6);
      expect(back.spacingMm[1]).toBeCloseTo(1.9, 6);
      expect(back.spacingMm[2]).toBe(8);
      expect(Array.from(back.data)).toEqual(Array.from(vol.data));
      expect(Array.from(sliceOf(back, 2).data)).toEqual(Array.from({ length: 20 }, (_, i) => 200 + i));
    }
  });
  it('writes the standard header fields at their offsets', () => {
    const raw = gunzipSync(writeNifti(vol, { datatype: 'int16' }));
    const v = new DataView(raw.buffer, raw.byteOffset);
    expect(v.getInt32(0, true)).toBe(348);
    expect([v.getInt16(40, true), v.getInt16(42, true), v.getInt16(44, true), v.getInt16(46, true)]).toEqual([
      3, 5, 4, 3,
    ]);
    expect(v.getInt16(70, true)).toBe(4);
    expect(v.getInt16(72, true)).toBe(16);
    expect(v.getFloat32(108, true)).toBe(352);
    expect(String.fromCharCode(...raw.subarray(344, 348))).toBe('n+1\0');
    expect(raw.length).toBe(352 + 60 * 2);
    // voxel (x=1, y=2, z=1) = slice 1 row-major index 1*4+2 = 106, stored at x + 5*(y + 4*z)
    expect(v.getInt16(352 + 2 * (1 + 5 * (2 + 4 * 1)), true)).toBe(106);
  });
  it('is byte-deterministic', () => {
    expect(Buffer.from(writeNifti(vol)).equals(Buffer.from(writeNifti(vol)))).toBe(true);
  });
  it('refuses values that do not fit, non-finite values and shape mismatch', () => {
    const frac = { dims: [2, 1, 1], spacingMm: [1, 1, 1], data: Float32Array.of(0.5, 1) };
    expect(codeOf(() => writeNifti(frac, { datatype: 'uint8' }))).toBe('BAD_ARGUMENT');
    expect(codeOf(() => writeNifti({ ...frac, data: Float32Array.of(300, 1) }, { datatype: 'uint8' }))).toBe(
      'BAD_ARGUMENT',
    );
    expect(codeOf(() => writeNifti({ ...frac, data: Float32Array.of(NaN, 1) }))).toBe('NON_FINITE');
    expect(codeOf(() => writeNifti({ ...frac, dims: [3, 1, 1] }))).toBe('BAD_SHAPE');
    expect(
      codeOf(() =>
        volumeFromSlices(
          [
            { rows: 2, cols: 2, data: new Float32Array(4) },
            { rows: 2, cols: 3, data: new Float32Array(6) },
          ],
          [1, 1, 1],
        ),
      ),
    ).toBe('BAD_SHAPE');
  });
});

describe('readNifti refuses bad input', () => {
  const good = () =>
    handMadeNifti({ dims: [2, 2, 1], pixdim: [1, 1, 1], datatype: 16, bitpix: 32, values: [1, 2, 3, 4] });
  it('broken gzip', () => {
    const gz = gzipSync(good());
    const broken = gz.slice();
    for (let i = 12; i < broken.length - 8; i++) broken[i] ^= 0x5a;
    expect(codeOf(() => readNifti(broken))).toBe('BAD_FORMAT');
    expect(codeOf(() => readNifti(gz.subarray(0, 15)))).toBe('BAD_FORMAT');
  });
  it('wrong magic and too short', () => {
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({
            dims: [2, 2, 1],
            pixdim: [1, 1, 1],
            datatype: 16,
            bitpix: 32,
            values: [1, 2, 3, 4],
            magic: 'abc\0',
          }),
        ),
      ),
    ).toBe('BAD_FORMAT');
    expect(codeOf(() => readNifti(new Uint8Array(100)))).toBe('BAD_FORMAT');
    expect(codeOf(() => readNifti(new TextEncoder().encode('hello world'.repeat(40))))).toBe('BAD_FORMAT');
  });
  it('zero, negative and huge dimensions, before allocating', () => {
    for (const dims of [
      [0, 2, 1],
      [2, -3, 1],
    ]) {
      expect(
        codeOf(() => readNifti(handMadeNifti({ dims, pixdim: [1, 1, 1], datatype: 16, bitpix: 32, values: [] }))),
      ).toBe('BAD_SHAPE');
    }
    // 32767³ float32 ≈ 140 TB claimed by a 352-byte file
    const huge = handMadeNifti({
      dims: [32767, 32767, 32767],
      pixdim: [1, 1, 1],
      datatype: 16,
      bitpix: 32,
      values: [],
    });
    expect(codeOf(() => readNifti(huge))).toBe('TOO_LARGE');
    expect(codeOf(() => readNifti(gzipSync(huge)))).toBe('TOO_LARGE');
    expect(32767 ** 3).toBeGreaterThan(MAX_VOXELS);
    // under the cap but longer than the file: truncated
    const big = handMadeNifti({ dims: [1000, 1000, 10], pixdim: [1, 1, 1], datatype: 16, bitpix: 32, values: [] });
    expect(codeOf(() => readNifti(big))).toBe('BAD_FORMAT');
  });
  it('inflates a gzip stream only as far as the header says the file goes', () => {
    // 16 MiB of zeros after the voxels, the second half of the stream garbled (gunzipping it whole
    // fails): everything the header needs is in the first part, the rest is never inflated
    const image = good();
    const padded = new Uint8Array(image.length + 16 * 2 ** 20);
    padded.set(image);
    const gz = gzipSync(padded, { level: 1 });
    for (let i = gz.length >> 1; i < gz.length - 8; i++) gz[i] ^= 0x5a;
    expect(() => gunzipSync(gz)).toThrow();
    expect(Array.from(readNifti(gz).data)).toEqual([1, 2, 3, 4]);
    // a stream of many inflation steps reads back whole; cut inside the voxel data, it is refused
    const rng = seedrandom('inflate');
    const values = Array.from({ length: 64 * 64 * 16 }, () => Math.fround(rng()));
    const gz2 = gzipSync(handMadeNifti({ dims: [64, 64, 16], pixdim: [1, 1, 1], datatype: 16, bitpix: 32, values }));
    expect(gz2.length).toBeGreaterThan(3 * 65536);
    expect(Array.from(readNifti(gz2).data)).toEqual(values);
    // (cut where the would-be ISIZE trailer claims < 2 GiB, else the size check answers first)
    let cut = gz2.length >> 1;
    while (gz2[cut - 1] >= 0x80) cut++;
    expect(codeOf(() => readNifti(gz2.subarray(0, cut)))).toBe('BAD_FORMAT');
  });
  it('truncated voxel data', () => {
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({
            dims: [2, 2, 1],
            pixdim: [1, 1, 1],
            datatype: 16,
            bitpix: 32,
            values: [1, 2, 3, 4],
            truncateBy: 3,
          }),
        ),
      ),
    ).toBe('BAD_FORMAT');
  });
  it('unsupported datatype (complex64, RGB24)', () => {
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({ dims: [2, 2, 1], pixdim: [1, 1, 1], datatype: 32, bitpix: 64, values: [0, 0, 0, 0] }),
        ),
      ),
    ).toBe('BAD_FORMAT');
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({ dims: [2, 2, 1], pixdim: [1, 1, 1], datatype: 128, bitpix: 24, values: [0, 0, 0, 0] }),
        ),
      ),
    ).toBe('BAD_FORMAT');
  });
  it('NaN / Inf voxels, also produced by scl_slope', () => {
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({ dims: [2, 2, 1], pixdim: [1, 1, 1], datatype: 16, bitpix: 32, values: [1, NaN, 3, 4] }),
        ),
      ),
    ).toBe('NON_FINITE');
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({ dims: [2, 2, 1], pixdim: [1, 1, 1], datatype: 16, bitpix: 32, values: [1, Infinity, 3, 4] }),
        ),
      ),
    ).toBe('NON_FINITE');
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({
            dims: [2, 2, 1],
            pixdim: [1, 1, 1],
            datatype: 16,
            bitpix: 32,
            values: [1, 3e38, 3, 4],
            slope: 1e10,
          }),
        ),
      ),
    ).toBe('NON_FINITE');
  });
  it('zero voxel size', () => {
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({ dims: [2, 2, 1], pixdim: [0, 1, 1], datatype: 16, bitpix: 32, values: [1, 2, 3, 4] }),
        ),
      ),
    ).toBe('BAD_FORMAT');
  });
  it('more than 4-D', () => {
    expect(
      codeOf(() =>
        readNifti(
          handMadeNifti({ dims: [1, 1, 1, 1, 2], pixdim: [1, 1, 1, 1, 1], datatype: 2, bitpix: 8, values: [1, 2] }),
        ),
      ),
    ).toBe('BAD_SHAPE');
  });
});

describe('cardiac-uq metrics on label files with scl_slope = 0 (issue 14 item 9)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cuq-slope0-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // 8 x 8 x 2 labels 0..2 (x fastest; rows = x, cols = y). Prediction: RV x 0-3 × y 0-3 (16 px), MYO
  // x 4-7 × y 0-3 (16). Ground truth: RV x 0-3 × y 0-1 (8), MYO as predicted; no LV anywhere.
  const label = (x: number, y: number, gtFile: boolean) => (y > 3 ? 0 : x < 4 ? (gtFile && y > 1 ? 0 : 1) : 2);
  const volume = (gtFile: boolean) =>
    Array.from({ length: 128 }, (_, i) => label(i % 8, Math.floor(i / 8) % 8, gtFile));
  const file = (name: string, values: number[], slope: number, inter: number) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      gzipNode(handMadeNifti({ dims: [8, 8, 2], pixdim: [1, 1, 5], datatype: 2, bitpix: 8, values, slope, inter })),
    );
    return path;
  };
  const metrics = async (pred: string, gt: string) => {
    const proc = spawnCli(['metrics', '--pred', pred, '--gt', gt, '--json'], {});
    const code = await proc.exited;
    return { code, out: proc.output() };
  };

  test('gives the same result as for the unscaled file: slope 0 means no scaling, intercept 1 ignored', async () => {
    const pred = file('pred.nii.gz', volume(false), 1, 0);
    const plain = await metrics(pred, file('gt.nii.gz', volume(true), 1, 0));
    const slopeZero = await metrics(pred, file('gt-slope0-inter1.nii.gz', volume(true), 0, 1));
    expect(plain.code).toBe(0);
    // Pinned by hand: RV Dice 2·8 / (16 + 8), MYO identical, LV empty in both.
    const slice0 = JSON.parse(plain.out).slices[0];
    expect(slice0.RV.dice).toBeCloseTo(2 / 3, 6);
    expect(slice0.MYO.dice).toBe(1);
    expect(slice0.LV.status).toBe('BOTH_EMPTY');
    expect(slopeZero).toEqual(plain);
  });
});
