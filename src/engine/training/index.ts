/**
 * Training entry point for the CLI and the jobs layer:
 *
 *   trainModel(config, data, { outDir, onProgress, signal, resumeFrom, workers }) → TrainResult
 *
 * plain / mcd / bbb train one network in-process. `ensemble` trains M members (seed + m) into
 * `<outDir>/member-m` and writes `<outDir>/ensemble.json`; members run in worker threads (one
 * tfjs instance each, since wasm uses one thread) unless `workers` is 0.
 *
 * `trainSingleInThread` is trainSingle in a worker thread: a worker process that trains there
 * keeps its event loop free for the other jobs it runs meanwhile (an evaluation shard's queries
 * would otherwise wait for every training step).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { activeBackend, initBackend } from '../backend';
import { writeEnsembleIndex, type CheckpointMeta } from '../checkpoint';
import { InvalidInputError } from '../errors';
import { memberDirName } from '../models/ensemble';
import { presetAugmenter } from './augmentation';
import { trainSingle } from './train';
import {
  DEFAULT_ENSEMBLE_MEMBERS,
  TrainingCancelledError,
  type EpochRecord,
  type TrainConfig,
  type TrainingData,
  type TrainOptions,
  type TrainResult,
} from './types';
import type { WorkerInput, WorkerMessage } from './worker';

export * from './types';
export { resolveTraining, DEFAULT_BAYES, DEFAULT_DROPOUT } from './resolve-config';

function runWorker(input: WorkerInput, opts: TrainOptions): Promise<Awaited<ReturnType<typeof trainSingle>>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'worker-entry.js'), { workerData: input });
    const onAbort = (): void => worker.postMessage('abort');
    opts.signal?.addEventListener('abort', onAbort);
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'done') {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(
          m.cancelled
            ? new TrainingCancelledError()
            : new Error(input.member === undefined ? m.message : `member ${input.member}: ${m.message}`),
        );
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!settled) reject(new Error(`training worker for member ${input.member} exited with code ${code}`));
    });
  });
}

/** trainSingle in a worker thread of its own (see the module comment), on the active backend. */
export function trainSingleInThread(
  config: TrainConfig,
  data: TrainingData,
  opts: TrainOptions,
): Promise<Awaited<ReturnType<typeof trainSingle>>> {
  return runWorker(
    {
      config,
      data,
      outDir: opts.outDir,
      resumeFrom: opts.resumeFrom,
      member: opts.member,
      backend: activeBackend(),
      augment: opts.augment !== null,
    },
    opts,
  );
}

async function trainEnsemble(config: TrainConfig, data: TrainingData, opts: TrainOptions): Promise<TrainResult> {
  const M = config.members ?? DEFAULT_ENSEMBLE_MEMBERS;
  if (!Number.isInteger(M) || M < 1) throw new InvalidInputError('BAD_ARGUMENT', 'members must be a positive integer');
  const backend = activeBackend();
  const workers = Math.min(opts.workers ?? os.availableParallelism(), M);
  const results: Array<Awaited<ReturnType<typeof trainSingle>>> = new Array(M);
  const memberOpts = (m: number): TrainOptions => ({
    ...opts,
    augment: opts.augment === undefined ? presetAugmenter(config.preset) : opts.augment,
    member: m,
    outDir: path.join(opts.outDir, memberDirName(m)),
    ...(opts.resumeFrom != null ? { resumeFrom: path.join(opts.resumeFrom, memberDirName(m)) } : {}),
  });
  if (workers <= 0) {
    for (let m = 0; m < M; m++) results[m] = await trainSingle(config, data, memberOpts(m));
  } else {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < M && !opts.signal?.aborted) {
        const m = next++;
        const mo = memberOpts(m);
        results[m] = await runWorker(
          {
            config,
            data,
            outDir: mo.outDir,
            resumeFrom: mo.resumeFrom,
            member: m,
            backend,
            augment: opts.augment !== null,
          },
          opts,
        );
      }
    };
    await Promise.all(Array.from({ length: workers }, lane));
    if (opts.signal?.aborted) throw new TrainingCancelledError();
  }
  writeEnsembleIndex(
    opts.outDir,
    results.map((_, m) => memberDirName(m)),
  );
  return {
    outDir: opts.outDir,
    best: results.map((r) => r.best),
    history: results.map((r) => r.history),
    backend: results[0].backend,
  };
}

/** Trains the configured method; see the module comment. */
export async function trainModel(config: TrainConfig, data: TrainingData, opts: TrainOptions): Promise<TrainResult> {
  await initBackend();
  if (config.method === 'ensemble') return trainEnsemble(config, data, opts);
  const augment = opts.augment === undefined ? presetAugmenter(config.preset) : opts.augment;
  const r = await trainSingle(config, data, { ...opts, augment });
  const best: CheckpointMeta[] = [r.best];
  const history: EpochRecord[][] = [r.history];
  return { outDir: opts.outDir, best, history, backend: r.backend };
}
