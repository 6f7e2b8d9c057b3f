/**
 * Checkpoint folders (docs/design.md "Store"): `model.json` + `weights.bin` (folder-io.ts)
 * and `meta.json` with everything needed to reproduce and audit a model: U-Net config, method,
 * preset geometry, backend, training-set intensity statistics, seed, epoch, validation NLL,
 * weights SHA-256, and per-layer σ statistics (BBB) or dropout rates (MC Dropout).
 *
 * An ensemble is a folder with `ensemble.json` listing member folders (`member-0`, …), each an
 * ordinary checkpoint of a plain U-Net.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError } from '../errors';
import type { BackendName } from '../backend';
import type { Method, UNetConfig } from '../models/config';
import type { Geometry, IntensityStats } from '../models/input-grid';
// Registers the custom layer classes before any model.json is deserialised.
import '../models/layers/always-on-dropout';
import '../models/layers/bayes-conv2d';
import { folderIO, MODEL_JSON } from './folder-io';
import { dropoutRates, sigmaStats, weightsSha256, type DropoutRate, type SigmaStats } from './weight-stats';

export const CHECKPOINT_FORMAT = 'cardiac-uq-checkpoint/1';
export const META_JSON = 'meta.json';
export const ENSEMBLE_JSON = 'ensemble.json';

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  /** Method of the run; an ensemble member records 'ensemble' and its index. */
  method: Method;
  member?: number;
  unet: UNetConfig;
  preset: string;
  geometry: Geometry;
  intensity: IntensityStats;
  backend: BackendName;
  seed: number;
  /** 1-based number of completed epochs when these weights were taken. */
  epoch: number;
  valNll: number;
  weightsSha256: string;
  trainSize: number;
  klWeight?: number;
  sigmaStats?: SigmaStats[];
  dropoutRates?: DropoutRate[];
  createdAt: string;
}

export interface EnsembleMeta {
  format: typeof CHECKPOINT_FORMAT;
  method: 'ensemble';
  members: string[];
}

export interface SingleCheckpoint {
  kind: 'single';
  dir: string;
  model: tf.LayersModel;
  meta: CheckpointMeta;
}

export interface EnsembleCheckpoint {
  kind: 'ensemble';
  dir: string;
  members: SingleCheckpoint[];
}

export type LoadedCheckpoint = SingleCheckpoint | EnsembleCheckpoint;

/** Meta fields computed from the model at save time. */
export function describeModel(
  model: tf.LayersModel,
): Pick<CheckpointMeta, 'weightsSha256' | 'sigmaStats' | 'dropoutRates'> {
  const sigma = sigmaStats(model);
  const rates = dropoutRates(model);
  return {
    weightsSha256: weightsSha256(model),
    ...(sigma.length > 0 ? { sigmaStats: sigma } : {}),
    ...(rates.length > 0 ? { dropoutRates: rates } : {}),
  };
}

/** Writes model.json, weights.bin and meta.json into `dir` (created) via a temporary folder. */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  meta: Omit<CheckpointMeta, 'format' | 'weightsSha256' | 'sigmaStats' | 'dropoutRates' | 'createdAt'>,
): Promise<CheckpointMeta> {
  const full: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    ...meta,
    ...describeModel(model),
    createdAt: new Date().toISOString(),
  };
  // Write next to the target and rename, so a crash never leaves a half-written checkpoint.
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await model.save(folderIO(tmp));
  fs.writeFileSync(path.join(tmp, META_JSON), JSON.stringify(full, null, 2));
  replaceDir(tmp, dir);
  return full;
}

/** Replaces `dir` by `tmp`, keeping any sub-folders of `dir` that `tmp` lacks (e.g. last/). */
function replaceDir(tmp: string, dir: string): void {
  if (fs.existsSync(dir)) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !fs.existsSync(path.join(tmp, entry.name))) {
        fs.renameSync(path.join(dir, entry.name), path.join(tmp, entry.name));
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(tmp, dir);
}

export function writeEnsembleIndex(dir: string, members: string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const meta: EnsembleMeta = { format: CHECKPOINT_FORMAT, method: 'ensemble', members };
  fs.writeFileSync(path.join(dir, ENSEMBLE_JSON), JSON.stringify(meta, null, 2));
}

export function readMeta(dir: string): CheckpointMeta {
  const file = path.join(dir, META_JSON);
  if (!fs.existsSync(file))
    throw new InvalidInputError('FILE_NOT_FOUND', `no checkpoint at ${dir} (missing ${META_JSON})`);
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointMeta;
  if (meta.format !== CHECKPOINT_FORMAT)
    throw new InvalidInputError('BAD_FORMAT', `${file}: unknown format ${String(meta.format)}`);
  return meta;
}

async function loadSingle(dir: string): Promise<SingleCheckpoint> {
  const meta = readMeta(dir);
  if (!fs.existsSync(path.join(dir, MODEL_JSON)))
    throw new InvalidInputError('FILE_NOT_FOUND', `no ${MODEL_JSON} in ${dir}`);
  const model = await tf.loadLayersModel(folderIO(dir));
  const sha = weightsSha256(model);
  if (sha !== meta.weightsSha256) {
    model.dispose();
    throw new InvalidInputError(
      'BAD_FORMAT',
      `${dir}: weights SHA-256 ${sha} does not match meta.json ${meta.weightsSha256}`,
    );
  }
  return { kind: 'single', dir, model, meta };
}

/** Loads a single-model or ensemble checkpoint folder, verifying every weights hash. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const ens = path.join(dir, ENSEMBLE_JSON);
  if (fs.existsSync(ens)) {
    const meta = JSON.parse(fs.readFileSync(ens, 'utf8')) as EnsembleMeta;
    const members: SingleCheckpoint[] = [];
    for (const m of meta.members) members.push(await loadSingle(path.join(dir, m)));
    return { kind: 'ensemble', dir, members };
  }
  return loadSingle(dir);
}

export function disposeCheckpoint(c: LoadedCheckpoint): void {
  if (c.kind === 'single') c.model.dispose();
  else for (const m of c.members) m.model.dispose();
}

export { folderIO } from './folder-io';
export { weightsSha256, sigmaStats, dropoutRates } from './weight-stats';
export type { SigmaStats, DropoutRate } from './weight-stats';
