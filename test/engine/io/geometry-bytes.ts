/**
 * The geometry fields of a NIfTI-1 file cut out of its header bytes by the standard's offsets
 * (nifti1.h), sharing no code with src/engine/io/nifti.ts; and a setter that gives a hand-made
 * file an oblique, non-trivial geometry to check that outputs copy it.
 */
import { gunzipSync } from 'node:zlib';

/** [name, offset, length] of the NIfTI-1 geometry fields. */
export const GEOMETRY_FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['dim_info', 39, 1],
  ['dim', 40, 16],
  ['pixdim', 76, 32],
  ['xyzt_units', 123, 1],
  ['qform_code', 252, 2],
  ['sform_code', 254, 2],
  ['quatern_b/c/d', 256, 12],
  ['qoffset_x/y/z', 268, 12],
  ['srow_x', 280, 16],
  ['srow_y', 296, 16],
  ['srow_z', 312, 16],
];

/** Each geometry field as hex bytes, from a .nii or .nii.gz file's bytes. */
export function geometryHex(file: Uint8Array): Record<string, string> {
  const raw = file[0] === 0x1f && file[1] === 0x8b ? gunzipSync(file) : file;
  if (new DataView(raw.buffer, raw.byteOffset).getInt32(0, true) !== 348)
    throw new Error('not a little-endian NIfTI-1 file');
  return Object.fromEntries(
    GEOMETRY_FIELDS.map(([name, at, n]) => [name, Buffer.from(raw.subarray(at, at + n)).toString('hex')]),
  );
}

/**
 * Sets an oblique geometry on a little-endian NIfTI-1 header in place: qfac −1, the given voxel
 * sizes in xyzt_units 10 (mm, s) with a frame time, a rotated qform (code 1) with offsets, a
 * different sform (code 2) with shear, dim_info 0x39 (freq 1, phase 2, slice 3).
 */
export function setObliqueGeometry(buf: Uint8Array, pixdim: readonly number[]): Uint8Array {
  const v = new DataView(buf.buffer, buf.byteOffset);
  buf[39] = 0x39;
  v.setFloat32(76, -1, true);
  pixdim.forEach((p, i) => v.setFloat32(80 + 4 * i, p, true));
  v.setFloat32(92, 0.7, true); // pixdim[4]: frame time in s
  buf[123] = 10;
  v.setInt16(252, 1, true);
  v.setInt16(254, 2, true);
  [0.1, -0.2, 0.3].forEach((q, i) => v.setFloat32(256 + 4 * i, q, true));
  [-101.5, 33.25, 7.125].forEach((q, i) => v.setFloat32(268 + 4 * i, q, true));
  const srow = [1.7, 0.3, -0.1, -98.6, -0.25, 1.75, 0.2, 40.1, 0.05, -0.3, 7.9, -12.7];
  srow.forEach((q, i) => v.setFloat32(280 + 4 * i, q, true));
  return buf;
}
