/**
 * Training on wasm with the `tiny` preset on a synthetic batch: validation loss goes down, same
 * seed → same weights SHA-256, no tensor leaks across epochs, cancellation, resume.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend';
import { loadCheckpoint, disposeCheckpoint, readMeta } from '../../../src/engine/checkpoint';
import { buildUNet } from '../../../src/engine/models/unet';
import { TrainingCancelledError, trainModel, resolveTraining, type TrainProgress } from '../../../src/engine/training';
import { trainSingle, validationNllOf } from '../../../src/engine/training/train';
import { syntheticSet } from './synthetic';

const data = { train: syntheticSet(16, 1), val: syntheticSet(6, 2) };
let tmp: string;

beforeAll(async () => {
  await initBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-train-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('trainModel (tiny preset, wasm)', () => {
  it('lowers the validation NLL, reports progress, keeps the best checkpoint, records the backend', async () => {
    const config = { method: 'plain' as const, preset: 'tiny' as const, seed: 1, epochs: 4 };
    const r = resolveTraining(config);
    const untrained = buildUNet(r.unet);
    const before = validationNllOf(untrained, config, data);
    untrained.dispose();
    const progress: TrainProgress[] = [];
    const res = await trainModel(config, data, {
      outDir: path.join(tmp, 'plain'),
      onProgress: (p) => progress.push(p),
    });
    const best = res.best[0];
    expect(best.valNll).toBeLessThan(before * 0.8);
    expect(best.backend).toBe('wasm');
    expect(best.valNll).toBe(Math.min(...res.history[0].map((h) => h.valNll)));
    expect(readMeta(path.join(tmp, 'plain')).weightsSha256).toBe(best.weightsSha256);
    expect(progress.length).toBeGreaterThanOrEqual(4 * 2);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ epoch: 4, epochs: 4, etaSeconds: 0 });
    expect(last.valNll).toBeCloseTo(res.history[0][3].valNll, 10);
    expect(res.history[0].map((h) => h.learningRate)).toEqual([3e-3, 3e-3, 3e-4, 3e-4]);
  });

  it('is reproducible: same seed → same weights SHA-256, another seed → another', async () => {
    const run = async (seed: number, dir: string): Promise<string> =>
      (await trainModel({ method: 'mcd', preset: 'tiny', seed, epochs: 2 }, data, { outDir: path.join(tmp, dir) }))
        .best[0].weightsSha256;
    const a = await run(5, 'r1');
    const b = await run(5, 'r2');
    const c = await run(6, 'r3');
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('leaks no tensors: tf.memory().numTensors is flat across epochs and back to the start after', async () => {
    const start = tf.memory().numTensors;
    const counts = new Map<number, number>();
    await trainModel({ method: 'bbb', preset: 'tiny', seed: 2, epochs: 4 }, data, {
      outDir: path.join(tmp, 'leak'),
      onProgress: (p) => {
        if (p.step === p.stepsPerEpoch && p.valNll != null) counts.set(p.epoch, tf.memory().numTensors);
      },
    });
    expect(counts.get(2)).toBe(counts.get(4));
    expect(counts.get(3)).toBe(counts.get(4));
    expect(tf.memory().numTensors).toBe(start);
  });

  it('stops on abort with TrainingCancelledError and resumes to the same weights as an uninterrupted run', async () => {
    const config = { method: 'bbb' as const, preset: 'tiny' as const, seed: 3, epochs: 3 };
    const full = await trainSingle(config, data, { outDir: path.join(tmp, 'full') });
    const dir = path.join(tmp, 'resumed');
    const controller = new AbortController();
    await expect(
      trainSingle(config, data, {
        outDir: dir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.epoch === 2 && p.step === 1) controller.abort();
        },
      }),
    ).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(readMeta(path.join(dir, 'last')).epoch).toBe(1);
    const resumed = await trainSingle(config, data, { outDir: dir, resumeFrom: dir });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(readMeta(path.join(dir, 'last')).weightsSha256).toBe(readMeta(path.join(tmp, 'full', 'last')).weightsSha256);
    expect(resumed.best.weightsSha256).toBe(full.best.weightsSha256);
  });

  it('trains an ensemble in worker threads, one checkpoint per member with its own seed', async () => {
    const res = await trainModel({ method: 'ensemble', preset: 'tiny', seed: 10, epochs: 1, members: 2 }, data, {
      outDir: path.join(tmp, 'ens'),
      workers: 2,
    });
    expect(res.best.map((b) => b.seed)).toEqual([10, 11]);
    expect(res.best.map((b) => b.member)).toEqual([0, 1]);
    expect(res.best[0].weightsSha256).not.toBe(res.best[1].weightsSha256);
    const ck = await loadCheckpoint(path.join(tmp, 'ens'));
    expect(ck.kind).toBe('ensemble');
    disposeCheckpoint(ck);
  });
});
