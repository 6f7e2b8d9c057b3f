/**
 * Whole-process CLI benchmarks (figures only, no assertions). Run: npx tsx bench/cli.bench.ts [runs]
 *  1. `cardiac-uq --version` against `node -e 0` (start-up cost of the command itself);
 *  2. `cardiac-uq metrics` on a 60-slice 256×256 label volume against a numpy + scipy script of
 *     medpy's definitions (bench/python/metrics_medpy_style.py);
 *  3. `cardiac-uq uncertainty` on T = 50 samples of 160×160×4 against a numpy + scipy script
 *     (bench/python/uncertainty_numpy.py).
 * Median wall time of `runs` runs (default 7) after one warm-up, each side in the same run; the
 * Python side runs when python3 with numpy and scipy is present, else it is skipped and said so.
 * bin/cardiac-uq.js runs the compiled build (npm run build) when it is current: build first.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNifti } from '../src/engine/io/nifti';
import { writeNpy } from '../src/engine/io/npy';
import { heartSamples, heartVolume } from './synthetic-heart';

const runs = Number(process.argv[2] ?? 7);
const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'cardiac-uq.js');
const python = path.join(__dirname, 'python');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-cli-bench-'));

function medianSeconds(command: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
    if (i > 0) times.push(seconds);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function output(command: string, args: string[]): unknown {
  return JSON.parse(spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 }).stdout);
}

const pythonReady = spawnSync('python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' }).status === 0;
const built = fs.existsSync(path.join(root, 'dist', '.build-stamp'));
console.log(
  `CLI benchmarks, median of ${runs} runs; compiled build ${built ? 'present' : 'ABSENT (run npm run build)'}`,
);

const nodeBare = medianSeconds(process.execPath, ['-e', '0']);
const version = medianSeconds(process.execPath, [bin, '--version']);
console.log(
  `--version: ${(version * 1000).toFixed(0)} ms; node -e 0: ${(nodeBare * 1000).toFixed(0)} ms → ${(version / nodeBare).toFixed(2)}× (target ≤ 2×)`,
);

// 60 slices of 256×256, 1.25 × 1.25 × 10 mm; the prediction is a jittered copy of the truth.
const dims = [256, 256, 60];
const spacingMm = [1.25, 1.25, 10];
const gtFile = path.join(dir, 'gt.nii.gz');
const predFile = path.join(dir, 'pred.nii.gz');
for (const [file, seed, jitter] of [
  [gtFile, 'gt', 0],
  [predFile, 'pred', 3],
] as const) {
  const labels = Float32Array.from(heartVolume(dims[0], dims[1], dims[2], seed, jitter));
  fs.writeFileSync(file, writeNifti({ dims, spacingMm, data: labels }, { datatype: 'uint8' }));
}
const ours = medianSeconds(process.execPath, [bin, 'metrics', '--pred', predFile, '--gt', gtFile, '--json']);
if (pythonReady) {
  const script = path.join(python, 'metrics_medpy_style.py');
  const theirs = medianSeconds('python3', [script, predFile, gtFile]);
  const a = output(process.execPath, [bin, 'metrics', '--pred', predFile, '--gt', gtFile, '--json']) as MetricsJson;
  const b = output('python3', [script, predFile, gtFile]) as MetricsJson;
  console.log(
    `metrics 60×256²: ${(ours * 1000).toFixed(0)} ms; numpy + scipy (medpy definitions): ${(theirs * 1000).toFixed(0)} ms → ${(theirs / ours).toFixed(2)}× faster (target ≥ 3×); largest |Δ| of dice/assd/hd/hd95: ${largestDifference(a, b).toExponential(1)}`,
  );
} else {
  console.log(
    `metrics 60×256²: ${(ours * 1000).toFixed(0)} ms; numpy + scipy baseline skipped (python3 with numpy and scipy not found)`,
  );
}

const [T, H, W, C] = [50, 160, 160, 4];
const samplesFile = path.join(dir, 'samples.npy');
fs.writeFileSync(samplesFile, writeNpy([T, H, W, C], heartSamples({ T, H, W, C, seed: 'cli-bench' })));
const uncertaintyArgs = [bin, 'uncertainty', '--samples', samplesFile, '--spacing', '1.8,1.8', '--json'];
const oursU = medianSeconds(process.execPath, uncertaintyArgs);
if (pythonReady) {
  const script = path.join(python, 'uncertainty_numpy.py');
  const theirs = medianSeconds('python3', [script, samplesFile, '1.8', '1.8']);
  console.log(
    `uncertainty T=50 160²: ${(oursU * 1000).toFixed(0)} ms; numpy + scipy: ${(theirs * 1000).toFixed(0)} ms → ${(theirs / oursU).toFixed(2)}× faster (target ≥ 2×)`,
  );
  console.log('  ours:   ', JSON.stringify(output(process.execPath, uncertaintyArgs)));
  console.log('  numpy:  ', JSON.stringify(output('python3', [script, samplesFile, '1.8', '1.8'])));
} else {
  console.log(
    `uncertainty T=50 160²: ${(oursU * 1000).toFixed(0)} ms; numpy + scipy baseline skipped (python3 with numpy and scipy not found)`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });

type MetricsJson = { slices: Array<Record<string, unknown>> };

function largestDifference(a: MetricsJson, b: MetricsJson): number {
  let largest = 0;
  a.slices.forEach((row, z) => {
    for (const structure of ['LV', 'MYO', 'RV']) {
      const x = row[structure] as Record<string, number | null>;
      const y = b.slices[z][structure] as Record<string, number | null>;
      for (const key of ['dice', 'assd', 'hd', 'hd95']) {
        if (x[key] !== null && y[key] !== null)
          largest = Math.max(largest, Math.abs((x[key] as number) - (y[key] as number)));
      }
    }
  });
  return largest;
}
