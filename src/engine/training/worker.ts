/**
 * Worker-thread body: trains one network (an ensemble member) in its own tfjs instance, posting
 * progress to the parent and stopping when the parent posts 'abort'. Loaded through
 * worker-entry.js, which registers tsx first (the repo runs TypeScript directly).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendRequest } from '../backend';
import { trainSingle } from './train';
import { presetAugmenter } from './augmentation';
import type { TrainConfig, TrainingData, TrainOptions } from './types';

export interface WorkerInput {
  config: TrainConfig;
  data: TrainingData;
  outDir: string;
  resumeFrom?: string;
  /** The ensemble member (seed + member); absent for a single network. */
  member?: number;
  backend: BackendRequest;
  augment: boolean;
}

export type WorkerMessage =
  | { type: 'progress'; progress: Parameters<NonNullable<TrainOptions['onProgress']>>[0] }
  | { type: 'done'; result: Awaited<ReturnType<typeof trainSingle>> }
  | { type: 'error'; message: string; cancelled: boolean };

async function main(): Promise<void> {
  const input = workerData as WorkerInput;
  const port = parentPort!;
  const controller = new AbortController();
  port.on('message', (m: unknown) => {
    if (m === 'abort') controller.abort();
  });
  try {
    await initBackend(input.backend);
    const result = await trainSingle(input.config, input.data, {
      outDir: input.outDir,
      resumeFrom: input.resumeFrom,
      member: input.member,
      signal: controller.signal,
      augment: input.augment ? presetAugmenter(input.config.preset) : null,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress } satisfies WorkerMessage),
    });
    port.postMessage({ type: 'done', result } satisfies WorkerMessage);
  } catch (e) {
    const err = e as Error;
    port.postMessage({
      type: 'error',
      message: err.message,
      cancelled: err.name === 'TrainingCancelledError',
    } satisfies WorkerMessage);
  } finally {
    port.close();
  }
}

void main();
