/**
 * `cardiac-uq train` and `cardiac-uq predict` as users run them: phantom folder → train (tiny
 * preset) → predict on one of its images → .npy [T, H, W, C] that `cardiac-uq uncertainty` reads;
 * checkpoints trained in-process for the predict cases; bad input gives exit code 2.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { volumeFromSlices, writeNifti } from '../../src/engine/io/nifti';
import { readNpy } from '../../src/engine/io/npy';
import { trainModel } from '../../src/engine/training';
import { syntheticSet, syntheticSlice } from '../engine/training/synthetic';

const root = path.join(__dirname, '..', '..');
let dir: string;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [path.join(root, 'bin', 'cardiac-uq.js'), ...args], { cwd: dir }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-cli-predict-'));
  await initBackend('wasm');
  const data = { train: syntheticSet(8, 1), val: syntheticSet(4, 2) };
  await trainModel({ method: 'mcd', preset: 'tiny', seed: 1, epochs: 1 }, data, { outDir: path.join(dir, 'mcd') });
  await trainModel({ method: 'plain', preset: 'tiny', seed: 1, epochs: 1 }, data, { outDir: path.join(dir, 'plain') });
  const slices = [syntheticSlice(7, 80, 72), syntheticSlice(8, 80, 72)].map((s) => ({
    rows: s.rows,
    cols: s.cols,
    data: s.image,
  }));
  fs.writeFileSync(path.join(dir, 'img.nii.gz'), writeNifti(volumeFromSlices(slices, [1.8, 1.8, 8])));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('cardiac-uq train', () => {
  it('trains on a phantom ACDC folder and the checkpoint predicts its images', async () => {
    const ph = await cli('phantom', '--out', 'ph', '--subjects', '3', '--seed', '2', '--no-progress');
    expect(ph.code).toBe(0);
    const r = await cli(
      'train',
      '--data',
      'ph',
      '--method',
      'bbb',
      '--preset',
      'tiny',
      '--epochs',
      '2',
      '--kl-weight',
      '1',
      '--out',
      'ck',
      '--no-progress',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ method: 'bbb', backend: 'wasm' });
    expect(summary.checkpoints[0].weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'ck', 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ method: 'bbb', klWeight: 1, backend: 'wasm', preset: 'tiny' });
    const image = fs.readdirSync(path.join(dir, 'ph', 'patient001')).find((f) => /frame\d+\.nii\.gz$/.test(f))!;
    const p = await cli(
      'predict',
      '--checkpoint',
      'ck',
      '--image',
      path.join('ph', 'patient001', image),
      '--slice',
      '2',
      '--samples',
      '3',
      '--out',
      'ph.npy',
    );
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout).shape[0]).toBe(3);
  });

  it('exits 2 on bad options', async () => {
    const r1 = await cli('train', '--data', 'ph', '--method', 'mcd', '--dropout-rate', '1.5', '--out', 'x');
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/dropout-rate/);
    const r2 = await cli('train', '--data', 'ph', '--method', 'plain', '--kl-weight', '10', '--out', 'x');
    expect(r2.code).toBe(2);
    const r3 = await cli('train', '--data', 'missing-dir', '--method', 'plain', '--preset', 'tiny', '--out', 'x');
    expect(r3.code).toBe(2);
  });

  it('exits 2 on a folder whose slices have no labels (LABELS_MISSING) and on an unknown layout', async () => {
    fs.mkdirSync(path.join(dir, 'unlabelled'));
    const image = volumeFromSlices(
      [0, 1, 2].map(() => ({ rows: 4, cols: 4, data: new Float32Array(16).fill(1) })),
      [1, 1, 5],
    );
    fs.writeFileSync(path.join(dir, 'unlabelled', 'scan.nii.gz'), writeNifti(image));
    const args = ['--data', 'unlabelled', '--method', 'plain', '--preset', 'tiny', '--out', 'unl-out'];
    const r1 = await cli('train', ...args, '--layout', 'NIFTI_PAIRS');
    expect([r1.code, r1.stderr]).toEqual([2, expect.stringMatching(/3 of 3 slices have no ground-truth label/)]);
    expect(fs.existsSync(path.join(dir, 'unl-out'))).toBe(false);
    const r2 = await cli('train', ...args, '--layout', 'DICOM');
    expect([r2.code, r2.stderr]).toEqual([2, expect.stringMatching(/--layout must be ACDC, MNMS, NIFTI_PAIRS/)]);
  });
});

describe('cardiac-uq predict', () => {
  it('writes T samples [T, H, W, 4] on the image grid that `uncertainty` reads', async () => {
    const r = await cli(
      'predict',
      '--checkpoint',
      'mcd',
      '--image',
      'img.nii.gz',
      '--slice',
      '1',
      '--samples',
      '6',
      '--out',
      's.npy',
      '--backend',
      'wasm',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ shape: [6, 80, 72, 4], method: 'mcd', backend: 'wasm', slice: 1 });
    const npy = readNpy(new Uint8Array(fs.readFileSync(path.join(dir, 's.npy'))));
    expect(npy.shape).toEqual([6, 80, 72, 4]);
    const u = await cli('uncertainty', '--samples', 's.npy', '--spacing', '1.8,1.8', '--json');
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout).mi).toBeGreaterThan(0);
  });

  it('gives one sample for a plain U-Net, with zero mutual information', async () => {
    const r = await cli(
      'predict',
      '--checkpoint',
      'plain',
      '--image',
      'img.nii.gz',
      '--slice',
      '0',
      '--samples',
      '5',
      '--out',
      'p.npy',
    );
    expect(r.code).toBe(0);
    expect(readNpy(new Uint8Array(fs.readFileSync(path.join(dir, 'p.npy')))).shape).toEqual([1, 80, 72, 4]);
    const u = await cli('uncertainty', '--samples', 'p.npy', '--spacing', '1.8,1.8', '--json');
    expect(Math.abs(JSON.parse(u.stdout).mi)).toBeLessThan(1e-9); // 0 up to the metrics' float32 logarithms
  });

  it('exits 2 with a message on bad input', async () => {
    const noSlice = await cli('predict', '--checkpoint', 'mcd', '--image', 'img.nii.gz', '--out', 'x.npy');
    expect(noSlice.code).toBe(2);
    expect(noSlice.stderr).toMatch(/--slice/);
    const noCkpt = await cli(
      'predict',
      '--checkpoint',
      'nope',
      '--image',
      'img.nii.gz',
      '--slice',
      '0',
      '--out',
      'x.npy',
    );
    expect(noCkpt.code).toBe(2);
    const badBackend = await cli(
      'predict',
      '--checkpoint',
      'mcd',
      '--image',
      'img.nii.gz',
      '--slice',
      '0',
      '--out',
      'x.npy',
      '--backend',
      'gpu9',
    );
    expect(badBackend.code).toBe(2);
    expect(badBackend.stderr).toMatch(/backend/);
  });
});
