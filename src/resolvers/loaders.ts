/**
 * Per-request batching of the per-parent reads (DataLoader): a page of predictions asks for its
 * slices, metrics and image rows in one statement each, evaluations for their runs, datasets and
 * checkpoints likewise, a triage page for its structure rows and reviews for their labels,
 * instead of one statement per parent (docs/design.md "GraphQL API"). Loaders
 * live as long as the request's context object, so nothing is cached across requests.
 */
import DataLoader from 'dataloader';
import type { Store } from '../db/client';
import type { ApiContext } from './context';

/** One result per key, in key order, from rows carrying their key. */
function byKey<R>(keys: readonly string[], rows: R[], keyOf: (row: R) => string): Array<R | null> {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

function groupByKey<R>(keys: readonly string[], rows: R[], keyOf: (row: R) => string): R[][] {
  const map = new Map<string, R[]>(keys.map((key) => [key, []]));
  for (const row of rows) map.get(keyOf(row))?.push(row);
  return keys.map((key) => map.get(key)!);
}

function createLoaders(store: Store) {
  return {
    /** Slices without their image and label bytes. */
    slice: new DataLoader(async (ids: readonly string[]) =>
      byKey(
        ids,
        await store.slice.findMany({ where: { id: { in: [...ids] } }, omit: { image: true, label: true } }),
        (s) => s.id,
      ),
    ),
    structureMetrics: new DataLoader(async (predictionIds: readonly string[]) =>
      groupByKey(
        predictionIds,
        await store.structureMetric.findMany({
          where: { predictionId: { in: [...predictionIds] } },
          orderBy: [{ predictionId: 'asc' }, { structure: 'asc' }],
        }),
        (m) => m.predictionId,
      ),
    ),
    imageMetric: new DataLoader(async (predictionIds: readonly string[]) =>
      byKey(
        predictionIds,
        await store.imageMetric.findMany({ where: { predictionId: { in: [...predictionIds] } } }),
        (m) => m.predictionId,
      ),
    ),
    run: new DataLoader(async (ids: readonly string[]) =>
      byKey(ids, await store.run.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    ),
    dataset: new DataLoader(async (ids: readonly string[]) =>
      byKey(ids, await store.dataset.findMany({ where: { id: { in: [...ids] } } }), (d) => d.id),
    ),
    /** The succeeded TRAIN runs on a dataset (for telling repeats of one variant apart). */
    trainingsOnDataset: new DataLoader(async (datasetIds: readonly string[]) =>
      groupByKey(
        datasetIds,
        await store.run.findMany({
          where: { kind: 'TRAIN', status: 'SUCCEEDED', datasetId: { in: [...datasetIds] } },
          select: { id: true, datasetId: true, seed: true, config: true },
        }),
        (r) => r.datasetId!,
      ),
    ),
    /** An evaluation's checkpoints, by ensemble member. */
    checkpoints: new DataLoader(async (evaluationIds: readonly string[]) => {
      const links = await store.evaluationCheckpoint.findMany({
        where: { evaluationId: { in: [...evaluationIds] } },
        include: { checkpoint: true },
      });
      return groupByKey(evaluationIds, links, (l) => l.evaluationId).map((group) =>
        group.map((l) => l.checkpoint).sort((a, b) => a.member - b.member),
      );
    }),
    /** An inference slice's per-structure rows (LV, MYO, RV). */
    inferenceStructures: new DataLoader(async (inferenceSliceIds: readonly string[]) =>
      groupByKey(
        inferenceSliceIds,
        await store.inferenceStructure.findMany({
          where: { inferenceSliceId: { in: [...inferenceSliceIds] } },
          orderBy: [{ inferenceSliceId: 'asc' }, { structure: 'asc' }],
        }),
        (r) => r.inferenceSliceId,
      ),
    ),
    /** The ground truth a review supplied, per slice in id order. */
    reviewLabels: new DataLoader(async (reviewIds: readonly string[]) =>
      groupByKey(
        reviewIds,
        await store.sliceLabel.findMany({
          where: { reviewId: { in: [...reviewIds] } },
          select: { reviewId: true, sliceId: true, source: true, contentHash: true },
          orderBy: { sliceId: 'asc' },
        }),
        (l) => l.reviewId!,
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

const perRequest = new WeakMap<ApiContext, Loaders>();

export function loaders(ctx: ApiContext): Loaders {
  let found = perRequest.get(ctx);
  if (!found) perRequest.set(ctx, (found = createLoaders(ctx.store)));
  return found;
}
