/**
 * `cardiac-uq predict --checkpoint CKPT --image IMG.nii.gz [--slice Z] [--frame F] --samples T
 *  --out S.npy [--seed S] [--backend tensorflow|wasm|cpu]`
 *
 * Posterior samples of one slice as float32 .npy [T, H, W, C] (H = NIfTI x, W = NIfTI y, C = 4:
 * 0 bg, 1 RV, 2 MYO, 3 LV; docs/design.md "Labels and arrays"), on the image's own grid, readable by
 * `cardiac-uq uncertainty`. T is what the method yields (inference/sampling.ts): T for MC Dropout
 * and BBB, 1 for a plain U-Net, one per member for an ensemble. Prints a JSON summary on stdout.
 */
import { Command } from 'commander';
import * as fs from 'node:fs';
import { initBackend, parseBackend } from '../../engine/backend';
import { disposeCheckpoint, loadCheckpoint } from '../../engine/checkpoint';
import { InvalidInputError } from '../../engine/errors';
import { sliceOf } from '../../engine/io/nifti';
import { writeNpy } from '../../engine/io/npy';
import { DEFAULT_SAMPLES, sampleProbabilities } from '../../engine/inference/sampling';
import { readNiftiFile, requireOption, volumeDepth } from './metrics';

export interface PredictCliOptions {
  checkpoint?: string;
  image?: string;
  slice?: string;
  frame?: string;
  samples: string;
  out?: string;
  seed: string;
  backend?: string;
}

function parseInt0(text: string, name: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min)
    throw new InvalidInputError('BAD_ARGUMENT', `${name} "${text}": expected an integer ≥ ${min}`);
  return Number(text);
}

export async function runPredict(options: PredictCliOptions): Promise<string> {
  requireOption(options.checkpoint, '--checkpoint');
  requireOption(options.image, '--image');
  requireOption(options.out, '--out');
  const T = parseInt0(options.samples, '--samples', 1);
  const seed = parseInt0(options.seed, '--seed', 0);
  if (!fs.existsSync(options.checkpoint))
    throw new InvalidInputError('FILE_NOT_FOUND', `--checkpoint ${options.checkpoint}: no such folder`);
  const vol = readNiftiFile(options.image, '--image');
  const depth = volumeDepth(vol, '--image');
  const z = options.slice != null ? parseInt0(options.slice, '--slice', 0) : depth === 1 ? 0 : undefined;
  if (z == null) throw new InvalidInputError('BAD_ARGUMENT', `--image has ${depth} slices: choose one with --slice`);
  const frame = options.frame != null ? parseInt0(options.frame, '--frame', 0) : 0;
  const sl = sliceOf(vol, z, frame);
  const backend = await initBackend(parseBackend(options.backend));
  const ckpt = await loadCheckpoint(options.checkpoint);
  try {
    const t0 = Date.now();
    const s = sampleProbabilities(ckpt, { image: sl.data, rows: sl.rows, cols: sl.cols }, T, { seed });
    fs.writeFileSync(options.out, writeNpy(s.shape, s.data));
    const method = ckpt.kind === 'ensemble' ? 'ensemble' : ckpt.meta.method;
    return JSON.stringify({
      out: options.out,
      shape: s.shape,
      method,
      backend,
      slice: z,
      seconds: (Date.now() - t0) / 1000,
    });
  } finally {
    disposeCheckpoint(ckpt);
  }
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('posterior softmax samples [T, H, W, C] of one slice from a trained checkpoint, as float32 .npy')
    .option('--checkpoint <dir>', '(required) checkpoint folder written by `cardiac-uq train`')
    .option('--image <file>', '(required) image (.nii/.nii.gz)')
    .option('--slice <z>', 'slice index of a 3-D/4-D image (default 0 when the image has one slice)')
    .option('--frame <t>', 'frame of a 4-D cine image', '0')
    .option(
      '--samples <T>',
      'posterior samples (MC Dropout, BBB; plain gives 1, an ensemble one per member)',
      String(DEFAULT_SAMPLES),
    )
    .option('--out <file>', '(required) output .npy')
    .option('--seed <n>', 'seed of the sampling noise', '0')
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: env CARDIAC_UQ_BACKEND, else the best available)')
    .action(async (options: PredictCliOptions) => {
      process.stdout.write((await runPredict(options)) + '\n');
    });
}
