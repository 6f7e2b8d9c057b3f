/**
 * Writes the hostile NIfTI files of test/hostile/files/ that are not in test/fixtures/bad/
 * (committed; rerun with `npx tsx test/hostile/files/make-files.ts`). Headers are assembled by
 * test/fixtures/hand-nifti.ts, not by our writer; expected.json says which error each must give.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { handMadeNifti } from '../../fixtures/hand-nifti';

const values = Array.from({ length: 4 * 4 * 2 }, (_, i) => i % 3);
const base = { dims: [4, 4, 2], pixdim: [1, 1, 1], datatype: 2, bitpix: 8, values };

export function makeHostileFiles(dir = __dirname): void {
  const write = (name: string, bytes: Uint8Array) => fs.writeFileSync(path.join(dir, name), bytes);
  write('nan-intercept.nii.gz', gzipSync(handMadeNifti({ ...base, slope: 1, inter: NaN })));
  write('inf-slope-overflow.nii.gz', gzipSync(handMadeNifti({ ...base, datatype: 4, bitpix: 16, values: values.map((v) => v + 100), slope: 3e38 })));
  write('dim0-eight.nii.gz', gzipSync(handMadeNifti({ ...base, dims: [4, 4, 2, 1, 1, 1, 1], ndim: 8 })));
  write('five-d.nii.gz', gzipSync(handMadeNifti({ ...base, dims: [4, 4, 1, 1, 2] })));
  write('header-only.nii', handMadeNifti(base).subarray(0, 348));
  write('empty.nii.gz', gzipSync(new Uint8Array(0)));
}

if (require.main === module) makeHostileFiles();
