/**
 * Launching datasets: the synthetic phantom, or a folder under the server's import root; and
 * attaching ground truth that arrives later to a dataset imported without it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Prisma } from '../db/generated/client';
import type { Split } from '../db/generated/enums';
import { ACTIVE_WHERE } from '../domain/constants';
import type { ImportDatasetConfig, ImportLayout, PhantomDatasetConfig } from '../domain/run-config';
import { checkImportFolder, readLabelFolder } from '../engine/io/import-folder';
import { InvalidInputError } from '../engine/errors';
import { QUEUES } from '../jobs/queues';
import { attachLabels } from '../store/attach-labels';
import { createRun } from '../store/runs';
import { badInput, conflict } from './errors';
import { datasetExists, enqueueRun, type Launcher } from './launcher';

export type PhantomDatasetRequest = PhantomDatasetConfig;

/**
 * A dataset's name is unique among stored datasets and the DATASET runs still making one (QUEUED
 * or RUNNING). Claimed in the transaction that creates the run, under a transaction-scoped
 * advisory lock on the name: of concurrent launches with one name the first commits its run, and
 * each later one, once it holds the lock, sees that run and is refused at once (CONFLICT) instead
 * of queueing a job that would fail on the taken name.
 */
const claimName = (name: string) => async (tx: Prisma.TransactionClient) => {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('cardiac-uq.dataset-name'), hashtext(${name}))`;
  if (await tx.dataset.findUnique({ where: { name }, select: { id: true } }))
    throw conflict(`a dataset named ${name} exists`);
  const making = await tx.run.findFirst({
    where: { kind: 'DATASET', status: ACTIVE_WHERE, config: { path: ['name'], equals: name } },
    select: { id: true },
  });
  if (making) throw conflict(`a dataset named ${name} is being made (run ${making.id})`);
};

export async function launchPhantomDataset(l: Launcher, input: PhantomDatasetRequest, parentRunId?: string) {
  const config: PhantomDatasetConfig = {
    name: input.name,
    site: input.site,
    subjects: input.subjects,
    seed: input.seed,
    ...(input.extraTestSubjects ? { extraTestSubjects: input.extraTestSubjects } : {}),
  };
  const run = await createRun(
    l.store,
    l,
    { kind: 'DATASET', config, seed: input.seed, parentRunId },
    claimName(input.name),
  );
  return enqueueRun(l, QUEUES.createDataset, run.id, {});
}

export interface ImportRequest {
  name: string;
  /** Relative to the import root, or absolute inside it. */
  path: string;
  layout: ImportLayout;
  site?: 'A' | 'B';
  split?: Split;
}

/**
 * Resolves an import path strictly inside the root: `..`, absolute paths elsewhere and symbolic
 * links that lead out are refused, so a client can only name folders the operator put there.
 */
export function resolveImportPath(root: string, requested: string): string {
  const realRoot = fs.existsSync(root) ? fs.realpathSync(root) : null;
  if (!realRoot) throw badInput(`the import root ${root} does not exist on the server`, 'path');
  const candidate = path.resolve(realRoot, requested);
  if (!fs.existsSync(candidate)) throw badInput(`no such folder under the import root: ${requested}`, 'path');
  const real = fs.realpathSync(candidate);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep))
    throw badInput(`path ${requested} is outside the import root`, 'path');
  if (!fs.statSync(real).isDirectory()) throw badInput(`path ${requested} is not a folder`, 'path');
  return real;
}

export async function launchImport(l: Launcher, importRoot: string, input: ImportRequest) {
  const folder = resolveImportPath(importRoot, input.path);
  try {
    checkImportFolder(folder, input.layout, importRoot);
  } catch (error) {
    throw error instanceof InvalidInputError ? badInput(`path ${input.path}: ${error.message}`, 'path') : error;
  }
  const root = fs.realpathSync(importRoot);
  const config: ImportDatasetConfig = {
    name: input.name,
    folder,
    root,
    layout: input.layout,
    site: input.site ?? null,
    split: input.split ?? null,
  };
  const run = await createRun(l.store, l, { kind: 'DATASET', config }, claimName(input.name));
  return enqueueRun(l, QUEUES.importDataset, run.id, {});
}

export interface AttachLabelsRequest {
  datasetId: string;
  /** Relative to the import root, or absolute inside it. */
  path: string;
  /** Default: the layout the dataset was imported with. */
  layout?: ImportLayout;
}

const LAYOUT_OF_SOURCE: Partial<Record<string, ImportLayout>> = { ACDC: 'ACDC', MNMS: 'MNMS', NIFTI: 'NIFTI_PAIRS' };

/**
 * Reads the label files of a folder under the import root (the dataset's layout, labels only) and
 * attaches them to its slices that have no ground truth; all or nothing (store/attach-labels.ts).
 * Label files are small, so they are read in the request rather than in a job.
 */
export async function attachLabelsFromFolder(l: Launcher, importRoot: string, input: AttachLabelsRequest) {
  const datasetId = await datasetExists(l, input.datasetId);
  const dataset = await l.store.dataset.findUniqueOrThrow({ where: { id: datasetId }, select: { source: true } });
  const layout = input.layout ?? LAYOUT_OF_SOURCE[dataset.source];
  if (!layout) throw badInput(`a ${dataset.source} dataset has no import layout: name one`, 'layout');
  const folder = resolveImportPath(importRoot, input.path);
  checkImportFolder(folder, layout, importRoot);
  const labels = readLabelFolder(folder, layout, { root: fs.realpathSync(importRoot) });
  const attached = await attachLabels(l.store, {
    datasetId,
    labels,
    source: { folder, layout },
    createdBy: l.actor,
  });
  return { datasetId, ...attached };
}
