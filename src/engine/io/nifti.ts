/**
 * NIfTI-1 (and NIfTI-2 for reading) volumes, gzipped or not (docs/design.md "Labels and arrays").
 *
 * Reading: the header is parsed by the maintained `nifti-reader-js`; we gunzip with `fflate` and
 * validate everything ourselves before allocating (dimensions, voxel cap, byte length, datatype,
 * finite values), then apply scl_slope/scl_inter (slope 0 = no scaling, as nibabel reads it). Gzip is inflated as a stream that stops at the
 * bytes the header says the file holds, so a crafted stream cannot make us inflate gigabytes.
 * Writing: no maintained NIfTI writer exists on npm, so the 348-byte NIfTI-1 header is built here.
 * Geometry (`readNiftiGeometry`, `writeNifti(…, { geometry })`): an output can carry an input's
 * dim, dim_info, pixdim (qfac included, in the input's xyzt_units), qform and sform codes and
 * parameters and srow_x/y/z unchanged, so it overlays the input in any viewer (docs/design.md
 * "Labels and arrays"). From a NIfTI-1 input the fields are copied bit for bit (little-endian); a
 * NIfTI-2 input's float64 fields are rounded to float32, the only precision NIfTI-1 has.
 *
 * Voxel data stays x-fastest as in the file: voxel (x, y, z, t) is at
 * x + nx * (y + ny * (z + nz * t)). `sliceOf` transposes one slice to the engine's row-major
 * layout (rows = x, cols = y, index x * cols + y).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Gunzip, gzipSync } from 'fflate';
import type * as NiftiReader from 'nifti-reader-js' with { 'resolution-mode': 'import' };
import { InvalidInputError } from '../errors';

export interface NiftiVolume {
  /** [nx, ny, nz] and, for 4-D cine, a 4th entry nt. */
  dims: number[];
  /** Voxel size per entry of dims (mm for space; the 4th is the frame time). */
  spacingMm: number[];
  /** Voxel values, x-fastest as in the file, scl_slope/scl_inter applied. */
  data: Float32Array;
  /** The file's dim[0] (dims is padded to 3 entries, so a 2-D file shows only here); absent when built in memory. */
  ndim?: number;
}

export type NiftiWriteDatatype = 'uint8' | 'int16' | 'float32';

/** A file's spatial header fields, as stored (see the module header). */
export interface NiftiGeometry {
  /** dim[0..7]: dim[0] the number of dimensions, then the size along each. */
  dim: number[];
  dimInfo: number;
  /** pixdim[0..7]: pixdim[0] the qform's qfac, then the voxel size along each dim in xyztUnits. */
  pixdim: number[];
  xyztUnits: number;
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z, 4 each. */
  srow: number[];
}

export interface Slice2DData {
  rows: number;
  cols: number;
  /** Row-major, index x * cols + y. */
  data: Float32Array;
}

/** Refuse headers claiming more voxels than this before allocating (1 GiB of float32). */
export const MAX_VOXELS = 2 ** 28;
const HEADER_SIZE_1 = 348;
const VOX_OFFSET_1 = 352;

// nifti-reader-js is ESM-only with an `import`-only exports map; this project is CommonJS, so we
// load its entry file by path (Node ≥ 20.19 and tsx load ESM through require) and borrow its types.
type NiftiReaderModule = typeof NiftiReader;
let readerModule: NiftiReaderModule | undefined;
function niftiReader(): NiftiReaderModule {
  if (readerModule) return readerModule;
  for (const dir of require.resolve.paths('nifti-reader-js') ?? []) {
    const entry = join(dir, 'nifti-reader-js', 'dist', 'nifti.js');
    if (existsSync(entry)) {
      readerModule = require(entry) as NiftiReaderModule;
      return readerModule;
    }
  }
  throw new Error('nifti-reader-js is not installed');
}

interface TypeInfo {
  bytes: number;
  read(view: DataView, offset: number, littleEndian: boolean): number;
  /** Typed-array view of the voxels when they are aligned and little-endian (the common case): a fast path. */
  array: new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayLike<number>;
  /** Integer voxels: every value is finite in float32 unless scaled. */
  integer: boolean;
}
const READ_TYPES: Record<number, TypeInfo> = {
  2: { bytes: 1, read: (v, o) => v.getUint8(o), array: Uint8Array, integer: true },
  4: { bytes: 2, read: (v, o, le) => v.getInt16(o, le), array: Int16Array, integer: true },
  8: { bytes: 4, read: (v, o, le) => v.getInt32(o, le), array: Int32Array, integer: true },
  16: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le), array: Float32Array, integer: false },
  64: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le), array: Float64Array, integer: false },
  256: { bytes: 1, read: (v, o) => v.getInt8(o), array: Int8Array, integer: true },
  512: { bytes: 2, read: (v, o, le) => v.getUint16(o, le), array: Uint16Array, integer: true },
  768: { bytes: 4, read: (v, o, le) => v.getUint32(o, le), array: Uint32Array, integer: true },
};

// Typed arrays read in the platform's byte order; the fast path needs it to be the file's.
const PLATFORM_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Compressed bytes fed to the inflater at a time (deflate expands them at most ≈ 1000-fold): small
 * until the header is out, larger once it has bounded the output.
 */
const HEADER_INFLATE_STEP = 4096;
const DATA_INFLATE_STEP = 65536;
/** Enough for a NIfTI-1 (348) or NIfTI-2 (540) header. */
const HEADER_PREFIX = 540;

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Inflates a gzipped NIfTI up to the bytes its header needs (vox_offset + voxel data); the header
 * is validated as soon as it is out, so an invalid or oversized one stops the inflation there.
 * Once the header has bounded the output, zlib inflates the rest natively (several times faster
 * than the streamed inflater) with the output capped at exactly those bytes; a stream that holds
 * more, ends early or is broken goes through the streamed inflater, which stops at the bound and
 * tells which.
 */
function gunzipNifti(bytes: Uint8Array): Uint8Array {
  // ISIZE (uncompressed size mod 2^32, the trailer's last 4 bytes) is only a claim, but one over the
  // cap is refused before inflating anything.
  const n = bytes.length;
  const isize = n < 18 ? 0 : (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16)) + bytes[n - 1] * 2 ** 24;
  if (isize > MAX_VOXELS * 8 + 65536) {
    throw new InvalidInputError(
      'TOO_LARGE',
      `gzip trailer claims ${isize} bytes uncompressed (a crafted or truncated file?)`,
    );
  }
  const streamed = inflateStreamed(bytes, true);
  if (streamed.raw) return streamed.raw;
  try {
    const whole = gunzipSync(bytes, { maxOutputLength: streamed.needed });
    if (whole.length === streamed.needed) return new Uint8Array(whole.buffer, whole.byteOffset, whole.length);
  } catch {
    // More bytes than the header needs, a short or a broken stream: the streamed inflater decides.
  }
  return inflateStreamed(bytes, false).raw as Uint8Array;
}

/**
 * The streamed inflation: up to the header (headerOnly: then returns how many bytes the file
 * needs, unless the whole file was already out) or up to those bytes.
 */
function inflateStreamed(bytes: Uint8Array, headerOnly: boolean): { raw?: Uint8Array; needed: number } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Gunzip((chunk) => {
    chunks.push(chunk);
    total += chunk.length;
  });
  const n = bytes.length;
  let needed = Infinity;
  let at = 0;
  try {
    for (let step = HEADER_INFLATE_STEP; at < n && total < needed;) {
      inflater.push(bytes.subarray(at, at + step));
      at += step;
      if (needed === Infinity && total >= HEADER_PREFIX) {
        needed = parseHeader(toArrayBuffer(concat(chunks, total))).needed;
        if (headerOnly && total < needed) return { needed };
        step = DATA_INFLATE_STEP;
      }
    }
    // The whole stream was needed: it must also end properly.
    if (total < needed) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(
      'BAD_FORMAT',
      `broken gzip stream: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const raw = concat(chunks, total);
  return { raw: raw.length > needed ? raw.subarray(0, needed) : raw, needed };
}

/** The bytes as an ArrayBuffer of their own: the view's buffer when it spans it (read only here), else a copy. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer)
    return bytes.buffer;
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

function spatialUnitScale(xyztUnits: number): number {
  switch (xyztUnits & 7) {
    case 1:
      return 1000; // metres
    case 3:
      return 0.001; // microns
    default:
      return 1; // mm or unknown (treated as mm, the common convention)
  }
}

/**
 * Voxel size [x, y, z] in mm from a stored header: |pixdim[1..3]| in its xyzt_units (as readNifti
 * scales them); z is the distance between slice centres the biomarker volumes need. Not validated:
 * a zero or non-finite size is the caller's to refuse.
 */
export function geometrySpacingMm(geometry: Pick<NiftiGeometry, 'pixdim' | 'xyztUnits'>): [number, number, number] {
  const unit = spatialUnitScale(geometry.xyztUnits);
  return [1, 2, 3].map((i) => Math.abs(geometry.pixdim[i]) * unit) as [number, number, number];
}

interface HeaderLayout {
  header: NiftiReader.NIFTI1 | NiftiReader.NIFTI2;
  ndim: number;
  /** dim[1..ndim]. */
  all: number[];
  voxels: number;
  type: TypeInfo;
  /** Byte offset of the voxel data. */
  offset: number;
  /** Bytes the file must hold: offset + voxels · bytes per voxel. */
  needed: number;
}

/** Parses and validates a NIfTI header from the start of the (inflated) file. */
function parseHeader(buffer: ArrayBuffer): HeaderLayout {
  const reader = niftiReader();
  if (buffer.byteLength < HEADER_SIZE_1 || !reader.isNIFTI(buffer)) {
    throw new InvalidInputError('BAD_FORMAT', 'not a NIfTI file (bad size or magic "n+1"/"n+2")');
  }
  let header: NiftiReader.NIFTI1 | NiftiReader.NIFTI2;
  try {
    header = reader.readHeader(buffer);
  } catch (error) {
    throw new InvalidInputError(
      'BAD_FORMAT',
      `unreadable NIfTI header: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  const ndim = header.dims[0];
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new InvalidInputError('BAD_SHAPE', `NIfTI dim[0] = ${ndim} (must be 1..7)`);
  }
  const all: number[] = [];
  for (let i = 1; i <= ndim; i++) all.push(header.dims[i]);
  for (const d of all) {
    if (!Number.isInteger(d) || d < 1) {
      throw new InvalidInputError('BAD_SHAPE', `NIfTI dimensions [${all.join(', ')}] must be ≥ 1`);
    }
  }
  if (all.slice(4).some((d) => d !== 1)) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `NIfTI dimensions [${all.join(', ')}]: only up to 4-D (x, y, z, t) is supported`,
    );
  }
  const voxels = all.reduce((a, b) => a * b, 1);
  if (voxels > MAX_VOXELS) {
    throw new InvalidInputError(
      'TOO_LARGE',
      `NIfTI dimensions [${all.join(', ')}] give ${voxels} voxels (limit ${MAX_VOXELS})`,
    );
  }
  const type = READ_TYPES[header.datatypeCode];
  if (!type) {
    throw new InvalidInputError(
      'BAD_FORMAT',
      `unsupported NIfTI datatype code ${header.datatypeCode} (supported: ${Object.keys(READ_TYPES).join(', ')})`,
    );
  }
  const offset = Math.floor(header.vox_offset);
  if (!Number.isFinite(header.vox_offset) || offset < HEADER_SIZE_1) {
    throw new InvalidInputError('BAD_FORMAT', `invalid NIfTI vox_offset ${header.vox_offset}`);
  }
  return { header, ndim, all, voxels, type, offset, needed: offset + voxels * type.bytes };
}

/**
 * Voxel scaling as nibabel reads it (Nifti1Header.get_slope_inter): scl_slope 0 or non-finite
 * means "no scaling", and then scl_inter is ignored too (NIfTI-1: "If the scl_slope field is
 * nonzero, then each voxel value in the dataset should be scaled"); a valid slope with a
 * non-finite intercept is a broken header.
 */
function scaling(sclSlope: number, sclInter: number): { slope: number; inter: number } {
  if (sclSlope === 0 || !Number.isFinite(sclSlope)) return { slope: 1, inter: 0 };
  if (!Number.isFinite(sclInter)) {
    throw new InvalidInputError('BAD_FORMAT', `NIfTI scl_slope ${sclSlope} with a non-finite scl_inter ${sclInter}`);
  }
  return { slope: sclSlope, inter: sclInter };
}

/** Parse a NIfTI file (`.nii` or `.nii.gz` bytes). Throws InvalidInputError on anything invalid. */
export function readNifti(bytes: Uint8Array): NiftiVolume {
  const raw = isGzip(bytes) ? gunzipNifti(bytes) : bytes;
  const buffer = toArrayBuffer(raw);
  const { header, ndim, all, voxels, type, offset, needed } = parseHeader(buffer);
  if (needed > raw.length) {
    throw new InvalidInputError('BAD_FORMAT', `truncated NIfTI: header needs ${needed} bytes, file has ${raw.length}`);
  }

  const dims = all.slice(0, 4);
  while (dims.length < 3) dims.push(1);
  if (dims.length === 4 && dims[3] === 1) dims.pop();
  const unit = spatialUnitScale(header.xyzt_units);
  const spacingMm = dims.map((_, i) => {
    const p = Math.abs(header.pixDims[i + 1]);
    if (i >= 3) return Number.isFinite(p) ? p : 0;
    if (i >= ndim) return Number.isFinite(p) && p > 0 ? p * unit : 1;
    if (!Number.isFinite(p) || p <= 0) {
      throw new InvalidInputError('BAD_FORMAT', `invalid NIfTI voxel size pixdim[${i + 1}] = ${p}`);
    }
    return p * unit;
  });

  const { slope, inter } = scaling(header.scl_slope, header.scl_inter);
  const data = new Float32Array(voxels);
  const unscaled = slope === 1 && inter === 0;
  if (header.littleEndian === PLATFORM_LITTLE_ENDIAN && offset % type.bytes === 0) {
    const voxelValues = new type.array(buffer, offset, voxels);
    // TypedArray.set converts natively, several times faster than the loop on a label volume.
    if (unscaled) data.set(voxelValues);
    else for (let i = 0; i < voxels; i++) data[i] = voxelValues[i] * slope + inter;
  } else {
    const view = new DataView(buffer);
    for (let i = 0; i < voxels; i++)
      data[i] = type.read(view, offset + i * type.bytes, header.littleEndian) * slope + inter;
  }
  // Checked after the float32 stores: scaling can overflow float32 even when float64 is finite.
  // Unscaled integers cannot be anything but finite.
  if (!(unscaled && type.integer)) {
    for (let i = 0; i < voxels; i++) {
      if (data[i] - data[i] !== 0) {
        throw new InvalidInputError('NON_FINITE', `NIfTI voxel ${i} is ${data[i]} (NaN/Inf not allowed)`);
      }
    }
  }
  return { dims, spacingMm, data, ndim };
}

/** Byte offsets of the geometry fields in the NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers. */
const GEOMETRY_LAYOUT = {
  1: {
    dimInfo: 39,
    dim: 40,
    int: 2,
    pixdim: 76,
    float: 4,
    xyztUnits: 123,
    qformCode: 252,
    sformCode: 254,
    code: 2,
    quatern: 256,
    qoffset: 268,
    srow: 280,
  },
  2: {
    dimInfo: 524,
    dim: 16,
    int: 8,
    pixdim: 104,
    float: 8,
    xyztUnits: 500,
    qformCode: 344,
    sformCode: 348,
    code: 4,
    quatern: 352,
    qoffset: 376,
    srow: 400,
  },
} as const;

/** The geometry fields of a NIfTI file (validated like `readNifti`). */
export function readNiftiGeometry(bytes: Uint8Array): NiftiGeometry {
  const raw = isGzip(bytes) ? gunzipNifti(bytes) : bytes;
  const buffer = toArrayBuffer(raw);
  const { header } = parseHeader(buffer);
  const le = header.littleEndian;
  const view = new DataView(buffer);
  const L = GEOMETRY_LAYOUT[view.getInt32(0, le) === HEADER_SIZE_1 ? 1 : 2];
  const int = (o: number, size: number): number =>
    size === 1
      ? view.getUint8(o)
      : size === 2
        ? view.getInt16(o, le)
        : size === 4
          ? view.getInt32(o, le)
          : Number(view.getBigInt64(o, le));
  const float = (o: number): number => (L.float === 4 ? view.getFloat32(o, le) : view.getFloat64(o, le));
  const floats = (o: number, n: number): number[] => Array.from({ length: n }, (_, i) => float(o + i * L.float));
  const geometry: NiftiGeometry = {
    dim: Array.from({ length: 8 }, (_, i) => int(L.dim + i * L.int, L.int)),
    dimInfo: int(L.dimInfo, 1),
    pixdim: floats(L.pixdim, 8),
    xyztUnits: L.float === 4 ? int(L.xyztUnits, 1) : int(L.xyztUnits, 4),
    qformCode: int(L.qformCode, L.code),
    sformCode: int(L.sformCode, L.code),
    quatern: floats(L.quatern, 3) as [number, number, number],
    qoffset: floats(L.qoffset, 3) as [number, number, number],
    srow: floats(L.srow, 12),
  };
  // A geometry is kept to be written back as it was; NaN or ±∞ cannot be (jsonb stores them as
  // null, which would come back as 0), and in a transform they mean a broken header.
  for (const field of ['pixdim', 'quatern', 'qoffset', 'srow'] as const) {
    const at = geometry[field].findIndex((x) => !Number.isFinite(x));
    if (at >= 0)
      throw new InvalidInputError(
        'BAD_FORMAT',
        `NIfTI ${field}[${at}] is ${geometry[field][at]} (NaN/Inf not allowed)`,
      );
  }
  return geometry;
}

const WRITE_TYPES: Record<NiftiWriteDatatype, { code: number; bits: number; min: number; max: number }> = {
  uint8: { code: 2, bits: 8, min: 0, max: 255 },
  int16: { code: 4, bits: 16, min: -32768, max: 32767 },
  float32: { code: 16, bits: 32, min: -3.4028234663852886e38, max: 3.4028234663852886e38 },
};

/**
 * Serialise a volume as a gzipped little-endian NIfTI-1 single file (`.nii.gz`). Without a
 * geometry: identity orientation scaled by the voxel size (qform/sform code 1), units mm and s.
 * With one (an input's, `readNiftiGeometry`): its dim, dim_info, pixdim, xyzt_units, qform and
 * sform as they are; its dim must describe vol's dims. Integer datatypes must receive integer
 * values in range; NaN/Inf are refused. Deterministic bytes (gzip mtime 0).
 */
export function writeNifti(
  vol: NiftiVolume,
  opts: { datatype?: NiftiWriteDatatype; geometry?: NiftiGeometry } = {},
): Uint8Array {
  const datatype = opts.datatype ?? 'float32';
  const t = WRITE_TYPES[datatype];
  if (!t) throw new InvalidInputError('BAD_ARGUMENT', `unsupported NIfTI write datatype ${datatype}`);
  const dims = vol.dims;
  if (dims.length < 1 || dims.length > 4 || dims.some((d) => !Number.isInteger(d) || d < 1 || d > 32767)) {
    throw new InvalidInputError('BAD_SHAPE', `cannot write NIfTI dimensions [${dims.join(', ')}]`);
  }
  const voxels = dims.reduce((a, b) => a * b, 1);
  if (voxels !== vol.data.length) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `NIfTI dimensions [${dims.join(', ')}] need ${voxels} voxels, data has ${vol.data.length}`,
    );
  }
  if (vol.spacingMm.length < Math.min(dims.length, 3)) {
    throw new InvalidInputError('BAD_ARGUMENT', 'spacingMm needs one entry per spatial dimension');
  }
  if (opts.geometry) checkGeometry(opts.geometry, dims);
  const bytesPer = t.bits / 8;
  const out = new Uint8Array(VOX_OFFSET_1 + voxels * bytesPer);
  const v = new DataView(out.buffer);
  v.setInt32(0, HEADER_SIZE_1, true); // sizeof_hdr
  out[39] = 0; // dim_info
  v.setInt16(40, dims.length, true);
  for (let i = 0; i < 7; i++) v.setInt16(42 + 2 * i, i < dims.length ? dims[i] : 1, true);
  v.setInt16(70, t.code, true); // datatype
  v.setInt16(72, t.bits, true); // bitpix
  v.setFloat32(76, 1, true); // pixdim[0] = qfac
  for (let i = 0; i < 7; i++) {
    const s = i < vol.spacingMm.length ? vol.spacingMm[i] : 1;
    if (i < dims.length && i < 3 && (!Number.isFinite(s) || s <= 0)) {
      throw new InvalidInputError('BAD_ARGUMENT', `invalid voxel size ${s} mm`);
    }
    v.setFloat32(80 + 4 * i, Number.isFinite(s) ? s : 1, true);
  }
  v.setFloat32(108, VOX_OFFSET_1, true); // vox_offset
  v.setFloat32(112, 1, true); // scl_slope
  v.setFloat32(116, 0, true); // scl_inter
  out[123] = 2 | 8; // xyzt_units: mm, s
  const descrip = 'cardiac-uq';
  for (let i = 0; i < descrip.length; i++) out[148 + i] = descrip.charCodeAt(i);
  v.setInt16(252, 1, true); // qform_code: scanner
  v.setInt16(254, 1, true); // sform_code: scanner
  // quatern b, c, d and offsets stay 0: identity rotation.
  const sx = vol.spacingMm[0] ?? 1;
  const sy = vol.spacingMm[1] ?? 1;
  const sz = vol.spacingMm[2] ?? 1;
  v.setFloat32(280, sx, true); // srow_x[0]
  v.setFloat32(296 + 4, sy, true); // srow_y[1]
  v.setFloat32(312 + 8, sz, true); // srow_z[2]
  if (opts.geometry) setGeometry(v, opts.geometry);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // magic "n+1\0"
  // bytes 348..351: extension flag 0 (no extensions)

  const data = vol.data;
  for (let i = 0; i < voxels; i++) {
    const x = data[i];
    if (!Number.isFinite(x)) {
      throw new InvalidInputError('NON_FINITE', `voxel ${i} is ${x}; NIfTI output must be finite`);
    }
    const o = VOX_OFFSET_1 + i * bytesPer;
    if (datatype === 'float32') {
      v.setFloat32(o, x, true);
      continue;
    }
    if (!Number.isInteger(x) || x < t.min || x > t.max) {
      throw new InvalidInputError('BAD_ARGUMENT', `voxel ${i} = ${x} does not fit NIfTI ${datatype}`);
    }
    if (datatype === 'uint8') out[o] = x;
    else v.setInt16(o, x, true);
  }
  // float voxels (noisy images) barely compress: a fast level; labels compress well at level 6.
  return gzipSync(out, { level: datatype === 'float32' ? 1 : 6, mtime: 0 });
}

/** A geometry's dim must give the volume's dims (sizes past them 1) and fit a NIfTI-1 header. */
function checkGeometry(g: NiftiGeometry, dims: readonly number[]): void {
  const ndim = g.dim[0];
  const sizes = g.dim.slice(1, 1 + ndim);
  const fits =
    g.dim.length === 8 &&
    g.pixdim.length === 8 &&
    g.srow.length === 12 &&
    Number.isInteger(ndim) &&
    ndim >= 1 &&
    ndim <= 7 &&
    sizes.every((d, i) => d === (i < dims.length ? dims[i] : 1)) &&
    dims.every((d, i) => i < ndim || d === 1) &&
    g.dim.every((d) => Number.isInteger(d) && d >= -32768 && d <= 32767);
  if (!fits) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `geometry dim [${g.dim.join(', ')}] does not describe a volume of [${dims.join(', ')}]`,
    );
  }
}

/** Overwrites the header's geometry fields with g's (NIfTI-1 offsets, little-endian). */
function setGeometry(v: DataView, g: NiftiGeometry): void {
  const L = GEOMETRY_LAYOUT[1];
  g.dim.forEach((d, i) => v.setInt16(L.dim + 2 * i, d, true));
  v.setUint8(L.dimInfo, g.dimInfo);
  g.pixdim.forEach((p, i) => v.setFloat32(L.pixdim + 4 * i, p, true));
  v.setUint8(L.xyztUnits, g.xyztUnits);
  v.setInt16(L.qformCode, g.qformCode, true);
  v.setInt16(L.sformCode, g.sformCode, true);
  g.quatern.forEach((q, i) => v.setFloat32(L.quatern + 4 * i, q, true));
  g.qoffset.forEach((q, i) => v.setFloat32(L.qoffset + 4 * i, q, true));
  g.srow.forEach((q, i) => v.setFloat32(L.srow + 4 * i, q, true));
}

/**
 * Slice z (frame t for 4-D) in row-major layout, rows = x, cols = y, index x * cols + y. `out`,
 * when given (nx · ny values), receives the slice: a loop over many slices then allocates nothing.
 */
export function sliceOf(vol: NiftiVolume, z: number, t = 0, out?: Float32Array): Slice2DData {
  const [nx, ny] = vol.dims;
  const nz = vol.dims[2] ?? 1;
  const nt = vol.dims[3] ?? 1;
  if (!Number.isInteger(z) || z < 0 || z >= nz || !Number.isInteger(t) || t < 0 || t >= nt) {
    throw new InvalidInputError('BAD_ARGUMENT', `slice ${z} frame ${t} outside volume [${vol.dims.join(', ')}]`);
  }
  const base = nx * ny * (z + nz * t);
  const source = vol.data;
  const data = out ?? new Float32Array(nx * ny);
  if (data.length !== nx * ny) throw new RangeError(`sliceOf: out holds ${data.length} values, the slice ${nx * ny}`);
  // Read the file's x-fastest rows in order; the writes stride by ny.
  for (let y = 0; y < ny; y++) {
    const row = base + nx * y;
    for (let x = 0; x < nx; x++) data[x * ny + y] = source[row + x];
  }
  return { rows: nx, cols: ny, data };
}

/**
 * Stack row-major slices (rows = x, cols = y, all the same size) into a 3-D x-fastest volume.
 * spacingMm = [sx, sy, sz].
 */
export function volumeFromSlices(
  slices: ReadonlyArray<{ rows: number; cols: number; data: ArrayLike<number> }>,
  spacingMm: readonly number[],
): NiftiVolume {
  if (slices.length === 0) throw new InvalidInputError('BAD_SHAPE', 'no slices to stack');
  const { rows: nx, cols: ny } = slices[0];
  const nz = slices.length;
  const data = new Float32Array(nx * ny * nz);
  slices.forEach((s, z) => {
    if (s.rows !== nx || s.cols !== ny || s.data.length !== nx * ny) {
      throw new InvalidInputError(
        'BAD_SHAPE',
        `slice ${z} is ${s.rows}×${s.cols} (data ${s.data.length}), expected ${nx}×${ny}`,
      );
    }
    const base = nx * ny * z;
    for (let x = 0; x < nx; x++) {
      for (let y = 0; y < ny; y++) data[base + x + nx * y] = s.data[x * ny + y];
    }
  });
  return { dims: [nx, ny, nz], spacingMm: [spacingMm[0], spacingMm[1], spacingMm[2] ?? 1], data };
}
