import { InvalidInputError } from '../../../src/engine/errors';
import { readNpy, writeNpy } from '../../../src/engine/io/npy';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.code;
    throw e;
  }
  return 'NO_ERROR';
}

/** Build a .npy buffer by hand: magic, version, header length, dict, data. */
function handNpy(dict: string, values: number[], opts: { major?: number; dtypeBytes?: number } = {}): Uint8Array {
  const major = opts.major ?? 1;
  const prefix = major === 1 ? 10 : 12;
  const headerLen = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + headerLen + values.length * (opts.dtypeBytes ?? 4));
  out.set([0x93, 78, 85, 77, 80, 89, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, headerLen, true);
  else v.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  values.forEach((x, i) => v.setFloat32(prefix + headerLen + 4 * i, x, true));
  return out;
}

describe('npy', () => {
  it('reads a hand-written v1.0 float32 buffer (what numpy.save writes for np.arange(6).reshape(2,3))', () => {
    const bytes = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [0, 1, 2, 3, 4, 5]);
    expect(bytes.length).toBe(128 + 24); // numpy pads the preamble to 128 bytes here
    const a = readNpy(bytes);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('reads v2.0, 1-D and 0-D shapes', () => {
    expect(
      readNpy(handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", [1.5, -2, 3], { major: 2 })).shape,
    ).toEqual([3]);
    const scalar = readNpy(handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", [7]));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([7]);
  });
  it('round-trips [T, H, W, C] and writes the numpy header byte for byte', () => {
    const shape = [2, 3, 4, 4];
    const data = Float32Array.from({ length: 96 }, (_, i) => Math.sin(i) / 3);
    const bytes = writeNpy(shape, data);
    const back = readNpy(bytes);
    expect(back.shape).toEqual(shape);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    const expected = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 4), }", Array.from(data));
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
    expect(readNpy(writeNpy([5], new Float32Array(5))).shape).toEqual([5]);
  });
  it('rejects other dtypes, Fortran order, bad magic, truncation and bad shapes', () => {
    expect(
      codeOf(() => readNpy(handNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", [0, 0, 0, 0]))),
    ).toBe('BAD_FORMAT');
    expect(codeOf(() => readNpy(handNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", [0, 0])))).toBe(
      'BAD_FORMAT',
    );
    expect(
      codeOf(() => readNpy(handNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", [0, 0, 0, 0]))),
    ).toBe('BAD_FORMAT');
    expect(
      codeOf(() => readNpy(handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [0, 0, 0, 0, 0]))),
    ).toBe('BAD_FORMAT');
    expect(codeOf(() => readNpy(handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", [])))).toBe(
      'BAD_FORMAT',
    );
    expect(
      codeOf(() => readNpy(handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", []))),
    ).toBe('TOO_LARGE');
    expect(codeOf(() => readNpy(handNpy('garbage', [])))).toBe('BAD_FORMAT');
    const bad = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [1]);
    bad[1] = 0x4f;
    expect(codeOf(() => readNpy(bad))).toBe('BAD_FORMAT');
    const v9 = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [1]);
    v9[6] = 9;
    expect(codeOf(() => readNpy(v9))).toBe('BAD_FORMAT');
    expect(codeOf(() => readNpy(new Uint8Array(4)))).toBe('BAD_FORMAT');
    expect(codeOf(() => writeNpy([2, 2], new Float32Array(3)))).toBe('BAD_SHAPE');
  });
});
