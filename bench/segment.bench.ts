/**
 * Time to flag one subject (issue 15): `cardiac-uq segment --ed --es` with a QC policy on a phantom
 * subject's ED and ES stacks (≈ 20 slices) with MC Dropout T = 20 on wasm. Figures only, no
 * assertions.
 *
 *   npx tsx bench/segment.bench.ts [--preset quick|tiny] [--samples 20] [--repeats 3] [--keep DIR]
 *
 * Makes its own data and model in a temporary folder: a site-A phantom (`cardiac-uq phantom`), an
 * MC Dropout checkpoint trained 1 epoch (`cardiac-uq train`; speed does not depend on how well it
 * is trained), a one-rule policy; then times `segment` in this process (backend and model loading
 * excluded, repeated) and once through the command line as a user runs it (process start included).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/engine/backend';
import { runSegment } from '../src/cli/commands/segment';
import { readNifti } from '../src/engine/io/nifti';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const preset = arg('preset', 'quick');
const T = arg('samples', '20');
const repeats = Number(arg('repeats', '3'));
const bin = path.join(__dirname, '..', 'bin', 'cardiac-uq.js');
const dir = arg('keep', '') || fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-bench-segment-'));
fs.mkdirSync(dir, { recursive: true });
const cli = (...args: string[]) =>
  execFileSync('node', [bin, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

async function main(): Promise<void> {
  let t0 = process.hrtime.bigint();
  if (!fs.existsSync(path.join(dir, 'ph')))
    cli('phantom', '--out', 'ph', '--site', 'A', '--subjects', '6', '--seed', '7', '--no-progress');
  if (!fs.existsSync(path.join(dir, 'ck')))
    cli(
      'train',
      '--data',
      'ph',
      '--method',
      'mcd',
      '--preset',
      preset,
      '--epochs',
      '1',
      '--backend',
      'wasm',
      '--out',
      'ck',
      '--no-progress',
    );
  console.log(`setup (phantom, ${preset} MC Dropout 1 epoch): ${seconds(t0).toFixed(1)} s in ${dir}`);

  // Each subject's ED and ES frames (Info.cfg); the one nearest 20 slices in all is timed.
  const subjects = fs
    .readdirSync(path.join(dir, 'ph'))
    .filter((d) => d.startsWith('patient'))
    .sort();
  const depth = (f: string) => readNifti(fs.readFileSync(path.join(dir, f))).dims[2];
  const frames = subjects.map((s) => {
    const info = fs.readFileSync(path.join(dir, 'ph', s, 'Info.cfg'), 'utf8');
    const frame = (k: string) => String(Number(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(info)![1])).padStart(2, '0');
    const f = {
      ed: path.join('ph', s, `${s}_frame${frame('ED')}.nii.gz`),
      es: path.join('ph', s, `${s}_frame${frame('ES')}.nii.gz`),
    };
    return { ...f, slices: depth(f.ed) + depth(f.es) };
  });
  const subject = frames.reduce((a, b) => (Math.abs(b.slices - 20) < Math.abs(a.slices - 20) ? b : a));
  fs.writeFileSync(
    path.join(dir, 'policy.json'),
    JSON.stringify({
      rules: [
        { structure: 'LV', measure: 'MI', threshold: 0.01 },
        { structure: 'MYO', measure: 'DICE_WITHIN', threshold: 0.2 },
      ],
    }),
  );
  const args = (f: { ed: string; es: string }) => ({
    checkpoint: path.join(dir, 'ck'),
    ed: path.join(dir, f.ed),
    es: path.join(dir, f.es),
    samples: T,
    seed: '0',
    policy: path.join(dir, 'policy.json'),
    out: path.join(dir, 'out'),
    backend: 'wasm',
    progress: false,
  });

  await initBackend('wasm');
  // Warm-up (wasm compilation, first-use kernels), not timed.
  JSON.parse(await runSegment(args(subject)));
  const times: number[] = [];
  let slices = 0;
  for (let r = 0; r < repeats; r++) {
    t0 = process.hrtime.bigint();
    const out = JSON.parse(await runSegment(args(subject)));
    times.push(seconds(t0));
    slices = out.slices;
    const flagged = out.flagged;
    console.log(
      `  run ${r + 1}: ${out.slices} slices (ED + ES), T = ${out.samples}, ${flagged} flagged: ${times[r].toFixed(2)} s, ${((1000 * times[r]) / out.slices).toFixed(0)} ms/slice`,
    );
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  console.log(
    `segment in-process (checkpoint load included, backend start excluded): median ${median.toFixed(2)} s per subject of ≈ ${slices} slices, ${(slices / median).toFixed(1)} slices/s`,
  );

  t0 = process.hrtime.bigint();
  const f = subject;
  const line = cli(
    'segment',
    '--checkpoint',
    'ck',
    '--ed',
    f.ed,
    '--es',
    f.es,
    '--samples',
    T,
    '--policy',
    'policy.json',
    '--backend',
    'wasm',
    '--out',
    'out-cli',
    '--no-progress',
  );
  const o = JSON.parse(line);
  console.log(
    `segment command line (process start included): ${seconds(t0).toFixed(2)} s for ${o.slices} slices, T = ${o.samples}, ${o.flagged} flagged (the command's own timer: ${o.seconds.toFixed(2)} s)`,
  );
  if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
