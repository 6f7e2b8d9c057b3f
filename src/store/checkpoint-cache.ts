/**
 * The model of a training run (or of chosen checkpoints), ready to sample, in a worker:
 * checkpoints come from the store (zip archives), are unpacked once under the data folder, and the
 * last loaded model stays in memory for the next shard of the same run.
 */
import path from 'node:path';
import fs from 'node:fs';
import { disposeCheckpoint, loadCheckpoint, type LoadedCheckpoint, type SingleCheckpoint } from '../engine/checkpoint';
import type { Store } from '../db/client';
import { unpackCheckpoint } from './checkpoint-archive';

let cached: { key: string; model: LoadedCheckpoint } | null = null;

export async function modelOfRun(store: Store, dataDir: string, trainingRunId: string): Promise<LoadedCheckpoint> {
  return modelOf(store, dataDir, { runId: trainingRunId }, `training run ${trainingRunId}`);
}

/** The model of these checkpoints (one, or an ensemble of several in member order). */
export async function modelOfCheckpoints(store: Store, dataDir: string, ids: string[]): Promise<LoadedCheckpoint> {
  return modelOf(store, dataDir, { id: { in: ids } }, `checkpoints ${ids.join(', ')}`);
}

async function modelOf(
  store: Store,
  dataDir: string,
  where: { runId: string } | { id: { in: string[] } },
  what: string,
): Promise<LoadedCheckpoint> {
  const rows = await store.checkpoint.findMany({
    where,
    orderBy: { member: 'asc' },
    select: { id: true, weightsSha256: true },
  });
  const key = rows.map((r) => r.weightsSha256).join(',');
  if (cached?.key === key) return cached.model;
  if (cached) disposeCheckpoint(cached.model);
  cached = null;
  const members: SingleCheckpoint[] = [];
  for (const row of rows) {
    const dir = path.join(dataDir, 'checkpoints', row.weightsSha256);
    if (!fs.existsSync(path.join(dir, 'meta.json'))) {
      const { weights } = await store.checkpoint.findUniqueOrThrow({
        where: { id: row.id },
        select: { weights: true },
      });
      if (!weights) throw new Error(`checkpoint ${row.id} has no stored weights`);
      const partial = `${dir}.partial-${process.pid}`;
      unpackCheckpoint(weights, partial);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(partial, dir);
    }
    // loadCheckpoint verifies the weights' SHA-256 against meta.json.
    const loaded = await loadCheckpoint(dir);
    if (loaded.kind !== 'single') throw new Error(`checkpoint ${row.id} is not a single model`);
    if (loaded.meta.weightsSha256 !== row.weightsSha256)
      throw new Error(`checkpoint ${row.id}: weights hash differs from the store`);
    members.push(loaded);
  }
  if (members.length === 0) throw new Error(`${what}: no checkpoints`);
  const model: LoadedCheckpoint =
    members.length === 1 ? members[0] : { kind: 'ensemble', dir: path.join(dataDir, 'checkpoints'), members };
  cached = { key, model };
  return model;
}
