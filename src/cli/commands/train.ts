/**
 * `cardiac-uq train --data DIR [--layout ACDC|MNMS|NIFTI_PAIRS] --method plain|mcd|bbb|ensemble [--dropout-rate R]
 *  [--dropout-layers all|middle] [--prior-sigma S] [--kl-weight L] [--members M]
 *  --preset tiny|quick|paper [--epochs N] [--seed S] [--backend …] [--workers W] [--resume] --out CKPT`
 *
 * Trains on an ACDC-layout folder (e.g. from `cardiac-uq phantom`; or an M&Ms or plain NIfTI folder
 * with --layout, docs/design.md "Importing data"; every slice needs its label): subjects marked Split TRAIN
 * train, VAL validate (the checkpoint with the lowest validation NLL is kept). A folder without
 * split marks (real ACDC) uses a seeded 90/10 subject split. Progress bar on stderr; a JSON
 * summary (checkpoint meta per network) on stdout. Ctrl-C stops after the current step; rerun
 * with --resume to continue from the last finished epoch.
 */
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import * as path from 'node:path';
import { initBackend, parseBackend } from '../../engine/backend';
import type { LabeledSlice, Subject } from '../../engine/data/types';
import { InvalidInputError } from '../../engine/errors';
import { requireLabels } from '../../engine/data/require-labels';
import { FOLDER_LAYOUTS, isFolderLayout, readImportFolder } from '../../engine/io/import-folder';
import { METHODS, type Method } from '../../engine/models/config';
import { PRESET_NAMES, type PresetName } from '../../engine/models/presets';
import { createRng } from '../../engine/random';
import {
  resolveTraining,
  trainModel,
  type TrainConfig,
  type TrainingData,
  type TrainProgress,
} from '../../engine/training';

export interface TrainCliOptions {
  data?: string;
  layout?: string;
  method?: string;
  preset: string;
  epochs?: string;
  seed: string;
  dropoutRate?: string;
  dropoutLayers?: string;
  priorSigma?: string;
  klWeight?: string;
  members?: string;
  backend?: string;
  workers?: string;
  out?: string;
  resume?: boolean;
  progress: boolean;
}

function bad(message: string): never {
  throw new InvalidInputError('BAD_ARGUMENT', message);
}

function num(
  text: string | undefined,
  name: string,
  check: (v: number) => boolean,
  expect: string,
): number | undefined {
  if (text == null) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) bad(`${name} "${text}": expected ${expect}`);
  return v;
}

const isInt =
  (min: number) =>
  (v: number): boolean =>
    Number.isInteger(v) && v >= min;

/** Validates the options into a TrainConfig (no I/O). */
export function parseTrainOptions(o: TrainCliOptions): TrainConfig {
  if (o.data == null) bad('--data is required');
  if (o.out == null) bad('--out is required');
  if (o.method == null || !(METHODS as readonly string[]).includes(o.method))
    bad(`--method must be one of ${METHODS.join(', ')}`);
  if (!(PRESET_NAMES as readonly string[]).includes(o.preset))
    bad(`--preset must be one of ${PRESET_NAMES.join(', ')}`);
  const method = o.method as Method;
  if (o.dropoutLayers != null && o.dropoutLayers !== 'all' && o.dropoutLayers !== 'middle')
    bad('--dropout-layers must be all or middle');
  if ((o.dropoutRate != null || o.dropoutLayers != null) && method !== 'mcd')
    bad('--dropout-rate/--dropout-layers apply to --method mcd');
  if ((o.priorSigma != null || o.klWeight != null) && method !== 'bbb')
    bad('--prior-sigma/--kl-weight apply to --method bbb');
  if (o.members != null && method !== 'ensemble') bad('--members applies to --method ensemble');
  const config: TrainConfig = {
    method,
    preset: o.preset as PresetName,
    seed: num(o.seed, '--seed', isInt(0), 'an integer ≥ 0')!,
  };
  const epochs = num(o.epochs, '--epochs', isInt(1), 'an integer ≥ 1');
  if (epochs != null) config.epochs = epochs;
  const rate = num(o.dropoutRate, '--dropout-rate', (v) => v > 0 && v < 1, 'a rate in (0, 1), e.g. 0.1, 0.3, 0.5');
  if (method === 'mcd')
    config.dropout = {
      ...(rate != null ? { rate } : {}),
      ...(o.dropoutLayers ? { layers: o.dropoutLayers as 'all' | 'middle' } : {}),
    };
  const priorSigma = num(o.priorSigma, '--prior-sigma', (v) => v > 0, 'a positive number, e.g. 0.1 or 1');
  const klWeight = num(o.klWeight, '--kl-weight', (v) => v >= 0, 'a number ≥ 0, e.g. 0.1, 1, 10, 30');
  if (method === 'bbb')
    config.bayes = { ...(priorSigma != null ? { priorSigma } : {}), ...(klWeight != null ? { klWeight } : {}) };
  const members = num(o.members, '--members', isInt(1), 'an integer ≥ 1');
  if (method === 'ensemble') config.members = members ?? 5;
  resolveTraining(config); // validates the model configuration
  return config;
}

/** TRAIN/VAL subjects by their split marks, else a seeded 90/10 split of all subjects. */
export function splitSubjects(subjects: Subject[], seed: number): TrainingData {
  const slices = (ss: Subject[]): LabeledSlice[] => ss.flatMap((s) => s.slices);
  let train = subjects.filter((s) => s.split === 'TRAIN');
  let val = subjects.filter((s) => s.split === 'VAL');
  if (train.length === 0 || val.length === 0) {
    const shuffled = createRng(seed, 'train-val-split').shuffle(subjects);
    const nVal = Math.max(1, Math.round(subjects.length * 0.1));
    if (subjects.length < 2) bad('--data needs at least two subjects (training and validation)');
    val = shuffled.slice(0, nVal);
    train = shuffled.slice(nVal);
  }
  return { train: slices(train), val: slices(val) };
}

export async function runTrain(o: TrainCliOptions): Promise<string> {
  const config = parseTrainOptions(o);
  const workers = num(o.workers, '--workers', isInt(0), 'an integer ≥ 0');
  const layout = o.layout ?? 'ACDC';
  if (!isFolderLayout(layout)) bad(`--layout must be ${FOLDER_LAYOUTS.join(', ')}`);
  const subjects = requireLabels(readImportFolder(o.data!, layout));
  if (subjects.length === 0) bad(`--data ${o.data}: no subjects found`);
  const data = splitSubjects(subjects, config.seed);
  const backend = await initBackend(parseBackend(o.backend));
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  const bar =
    o.progress && process.stderr.isTTY !== false
      ? new SingleBar({
          format:
            'train {label} [{bar}] {percentage}% | epoch {epoch}/{epochs} | loss {loss} | val NLL {valNll} | ETA {eta_formatted}',
          stream: process.stderr,
          etaBuffer: 50,
        })
      : null;
  const r = resolveTraining(config);
  const nets = config.method === 'ensemble' ? config.members! : 1;
  const stepsPerNet = r.epochs * Math.ceil(data.train.length / r.batchSize);
  const done = new Map<number, number>();
  bar?.start(nets * stepsPerNet, 0, { label: config.method, epoch: 1, epochs: r.epochs, loss: '-', valNll: '-' });
  const onProgress = (p: TrainProgress): void => {
    done.set(p.member ?? 0, (p.epoch - 1) * p.stepsPerEpoch + p.step);
    const total = [...done.values()].reduce((a, b) => a + b, 0);
    bar?.update(total, {
      epoch: p.epoch,
      epochs: p.epochs,
      loss: p.loss.toFixed(4),
      valNll: p.valNll == null ? '-' : p.valNll.toFixed(4),
      label: p.member != null ? `${config.method}#${p.member}` : config.method,
    });
  };
  try {
    const res = await trainModel(config, data, {
      outDir: path.resolve(o.out!),
      onProgress,
      signal: controller.signal,
      ...(o.resume ? { resumeFrom: path.resolve(o.out!) } : {}),
      ...(workers != null ? { workers } : {}),
    });
    bar?.stop();
    return JSON.stringify({
      out: res.outDir,
      method: config.method,
      backend,
      trainSlices: data.train.length,
      valSlices: data.val.length,
      checkpoints: res.best.map((b) => ({
        member: b.member ?? null,
        seed: b.seed,
        epoch: b.epoch,
        valNll: b.valNll,
        weightsSha256: b.weightsSha256,
      })),
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a U-Net (plain, MC Dropout, Bayes by Backprop or a deep ensemble) on an ACDC-layout folder')
    .option('--data <dir>', '(required) labelled folder (e.g. from `cardiac-uq phantom`)')
    .option('--layout <l>', 'ACDC | MNMS | NIFTI_PAIRS (docs/design.md "Importing data")', 'ACDC')
    .option('--method <m>', '(required) plain | mcd | bbb | ensemble')
    .option('--preset <p>', 'tiny | quick | paper', 'quick')
    .option('--epochs <n>', 'override the preset epochs (the learning-rate decay scales along)')
    .option('--seed <n>', 'seed of initialisation, shuffling, augmentation and noise', '1')
    .option('--dropout-rate <r>', 'MC Dropout rate (paper: 0.1, 0.3, 0.5; default 0.1)')
    .option('--dropout-layers <where>', 'MC Dropout on all layers or the middle ones (default middle)')
    .option('--prior-sigma <s>', 'BBB prior standard deviation (paper: 0.1, 1; default 0.1)')
    .option('--kl-weight <l>', 'BBB KL weight λ (paper: 0.1, 1, 10, 30; default 10)')
    .option('--members <m>', 'ensemble members (paper 10; default 5)')
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: env CARDIAC_UQ_BACKEND, else the best available)')
    .option('--workers <n>', 'worker threads for ensemble members (default: CPU cores; 0 = in-process)')
    .option('--resume', 'continue from <out>/last')
    .option('--no-progress', 'no progress bar')
    .option('--out <dir>', '(required) checkpoint folder')
    .action(async (options: TrainCliOptions) => {
      process.stdout.write((await runTrain(options)) + '\n');
    });
}
