/**
 * Quality check of the `quick` preset (not a test; prints figures): train each method on phantom
 * site A and evaluate on its test split. Targets (issue 4): plain mean Dice ≥ 0.90 LV, ≥ 0.80 MYO,
 * ≥ 0.80 RV; MC Dropout, BBB and the ensemble within 0.03; mutual information > 0 for the
 * stochastic methods and 0 for plain.
 *
 *   npx tsx bench/models.quality.ts [--subjects 30] [--methods plain,mcd,bbb,ensemble]
 *        [--members 5] [--workers W] [--epochs N] [--samples 50] [--seed 1] [--out DIR]
 *
 * --workers: ensemble member threads (default: one per CPU core; 0 = in-process, one at a time).
 *
 * Mean Dice per structure over the test slices whose ground truth contains the structure
 * (a missed structure counts as Dice 0).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/engine/backend';
import { disposeCheckpoint, loadCheckpoint } from '../src/engine/checkpoint';
import { generatePhantomDataset } from '../src/engine/data/phantom';
import { NUM_CLASSES, STRUCTURES, type Structure } from '../src/engine/data/types';
import { sliceMetrics } from '../src/engine/metrics/segmentation-metrics';
import { imageMean } from '../src/engine/metrics/predictive-entropy';
import { sampleStatistics } from '../src/engine/metrics/sample-statistics';
import type { Method } from '../src/engine/models/config';
import { trainModel, type TrainConfig } from '../src/engine/training';
import { sampleSlices } from '../src/engine/inference/sampling';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const subjects = Number(arg('subjects', '30'));
  const methods = arg('methods', 'plain,mcd,bbb,ensemble').split(',') as Method[];
  const members = Number(arg('members', '5'));
  const workers = process.argv.includes('--workers') ? Number(arg('workers', '0')) : undefined;
  const samples = Number(arg('samples', '50'));
  const seed = Number(arg('seed', '1'));
  const epochs = process.argv.includes('--epochs') ? Number(arg('epochs', '0')) : undefined;
  const out = arg('out', path.join(os.tmpdir(), 'cuq-quality'));
  const backend = await initBackend();
  const t0 = Date.now();
  const dataset = generatePhantomDataset({ site: 'A', subjects, seed: 1 });
  const pick = (split: string) => dataset.filter((s) => s.split === split).flatMap((s) => s.slices);
  const train = pick('TRAIN');
  const val = pick('VAL');
  const test = pick('TEST');
  console.log(
    `phantom site A: ${subjects} subjects, ${train.length}/${val.length}/${test.length} slices (${((Date.now() - t0) / 1000).toFixed(1)} s); backend ${backend}`,
  );
  console.log('method    | train s | LV dice | MYO dice | RV dice | mean MI (nats) | T');
  for (const method of methods) {
    const config: TrainConfig = {
      method,
      preset: 'quick',
      seed,
      ...(epochs ? { epochs } : {}),
      ...(method === 'ensemble' ? { members } : {}),
    };
    const dir = path.join(out, method);
    const t1 = Date.now();
    await trainModel(config, { train, val }, { outDir: dir, ...(workers != null ? { workers } : {}) });
    const trainS = (Date.now() - t1) / 1000;
    const ck = await loadCheckpoint(dir);
    const sums: Record<Structure, { dice: number; n: number }> = {
      LV: { dice: 0, n: 0 },
      MYO: { dice: 0, n: 0 },
      RV: { dice: 0, n: 0 },
    };
    let miSum = 0;
    let T = 0;
    for (let i = 0; i < test.length; i += 16) {
      const chunk = test.slice(i, i + 16);
      const res = sampleSlices(ck, chunk, samples, { seed: 7 });
      res.forEach((s, j) => {
        const sl = chunk[j];
        T = s.shape[0];
        const px = sl.rows * sl.cols;
        const pred = new Uint8Array(px);
        for (let p = 0; p < px; p++) {
          let best = 0;
          let bestV = -1;
          for (let c = 0; c < NUM_CLASSES; c++) {
            let m = 0;
            for (let t = 0; t < T; t++) m += s.data[(t * px + p) * NUM_CLASSES + c];
            if (m > bestV) {
              bestV = m;
              best = c;
            }
          }
          pred[p] = best;
        }
        const metrics = sliceMetrics(pred, sl.label, sl.rows, sl.cols, sl.spacingMm);
        for (const k of STRUCTURES) {
          if (metrics[k].status === 'GT_EMPTY' || metrics[k].status === 'BOTH_EMPTY') continue;
          sums[k].dice += metrics[k].dice;
          sums[k].n++;
        }
        miSum += imageMean(
          sampleStatistics(s.data, { T: s.shape[0], rows: sl.rows, cols: sl.cols, C: NUM_CLASSES }).miMap,
        );
      });
    }
    disposeCheckpoint(ck);
    const d = (k: Structure): string => (sums[k].dice / sums[k].n).toFixed(4);
    console.log(
      `${method.padEnd(9)} | ${trainS.toFixed(0).padStart(7)} | ${d('LV')}  | ${d('MYO')}   | ${d('RV')}  | ${(miSum / test.length).toExponential(3)}      | ${T}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
