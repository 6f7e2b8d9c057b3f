/**
 * NumPy `.npy` files holding float32 C-order arrays (docs/design.md "Labels and arrays": probability
 * samples are [T, H, W, C]). Hand-written: the format is a magic string, a version, a header length
 * and a Python-literal dict (`{'descr': '<f4', 'fortran_order': False, 'shape': (…), }`), so no
 * dependency is warranted. Reads versions 1.0, 2.0 and 3.0; writes 1.0 (2.0 if the header is long).
 */
import { InvalidInputError } from '../errors';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

/** Largest element count accepted, checked before allocating. */
export const MAX_NPY_ELEMENTS = 2 ** 28;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function bad(message: string): never {
  throw new InvalidInputError('BAD_FORMAT', `invalid .npy: ${message}`);
}

function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape || !/^\s*\{.*\}\s*$/s.test(text))
    bad(`unreadable header ${JSON.stringify(text.trim())}`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+L?$/.test(s) ? Number.parseInt(s, 10) : NaN));
  if (dims.some((d) => !Number.isSafeInteger(d))) bad(`bad shape (${shape[1]})`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

/** Parse a float32 little-endian C-order `.npy` file. */
export function readNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) bad('missing \\x93NUMPY magic');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) bad('truncated header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    return bad(`unsupported version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) bad('truncated header');
  const headerBytes = bytes.subarray(start, start + headerLen);
  const text = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : String.fromCharCode(...headerBytes);
  const { descr, fortran, shape } = parseHeader(text);
  if (descr !== '<f4') {
    throw new InvalidInputError('BAD_FORMAT', `unsupported .npy dtype '${descr}' (only '<f4', float32 little-endian)`);
  }
  if (fortran) throw new InvalidInputError('BAD_FORMAT', 'Fortran-order .npy is not supported (C order only)');
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_NPY_ELEMENTS) {
    throw new InvalidInputError(
      'TOO_LARGE',
      `.npy shape (${shape.join(', ')}) has ${count} elements (limit ${MAX_NPY_ELEMENTS})`,
    );
  }
  const offset = start + headerLen;
  if (bytes.length - offset < count * 4) {
    bad(`truncated data: shape (${shape.join(', ')}) needs ${count * 4} bytes, file has ${bytes.length - offset}`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, true);
  return { shape, data };
}

/** Serialise a float32 C-order array as `.npy` (version 1.0; 2.0 when the header exceeds 65535). */
export function writeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new InvalidInputError('BAD_SHAPE', `invalid .npy shape (${shape.join(', ')})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new InvalidInputError('BAD_SHAPE', `shape (${shape.join(', ')}) needs ${count} values, got ${data.length}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    major = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const headerLen = total - prefix;
  const out = new Uint8Array(total + count * 4);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  const padded = dict.padEnd(headerLen - 1, ' ') + '\n';
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  for (let i = 0; i < count; i++) view.setFloat32(total + 4 * i, data[i], true);
  return out;
}
