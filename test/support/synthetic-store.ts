/**
 * Synthetic results inserted straight into a migrated store (no engine, no jobs): a dataset of
 * `subjects` × `slicesPerSubject` small slices, a SUCCEEDED training run with one checkpoint, and a
 * SUCCEEDED evaluation with one prediction per slice, its three structure metrics and its image
 * metrics (random but plausible numbers, seeded). For immutability tests and the load bench.
 */
import crypto from 'node:crypto';
import type { Store } from '../../src/db/client';
import { packLabels, packNatsMap } from '../../src/store/map-codec';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export interface SyntheticStudy {
  datasetId: string;
  trainingRunId: string;
  checkpointId: string;
  evaluationRunId: string;
  evaluationId: string;
  sliceIds: string[];
  predictionIds: string[];
}

export async function seedSyntheticStudy(
  store: Store,
  options: { name?: string; subjects?: number; slicesPerSubject?: number; size?: number; bins?: number; seed?: number; predictions?: boolean } = {},
): Promise<SyntheticStudy> {
  const subjects = options.subjects ?? 4;
  const perSubject = options.slicesPerSubject ?? 5;
  const size = options.size ?? 16;
  const bins = options.bins ?? 15;
  const random = rng(options.seed ?? 1);
  const name = options.name ?? `synthetic-${crypto.randomBytes(4).toString('hex')}`;
  const pixels = size * size;

  const dataset = await store.dataset.create({ data: { name, source: 'PHANTOM', site: 'A', contentHash: crypto.randomBytes(32).toString('hex'), createdBy: 'seed' } });
  const sliceIds: string[] = [];
  for (let s = 0; s < subjects; s++) {
    const subject = await store.subject.create({ data: { datasetId: dataset.id, externalId: `subject${String(s).padStart(3, '0')}`, split: 'TEST', group: s % 2 ? 'DCM' : 'NOR' } });
    const rows = Array.from({ length: perSubject }, (_, z) => {
      const image = new Float32Array(pixels).map(() => random());
      const label = new Uint8Array(pixels).map(() => Math.floor(random() * 4));
      return {
        id: crypto.randomUUID(),
        subjectId: subject.id,
        phase: 'ED' as const,
        sliceIndex: z,
        sliceCount: perSubject,
        position: perSubject > 1 ? z / (perSubject - 1) : 0.5,
        spacingXMm: 1.8,
        spacingYMm: 1.8,
        rows: size,
        cols: size,
        image: Buffer.from(image.buffer),
        label: Buffer.from(label),
        contentHash: crypto.randomBytes(32).toString('hex'),
      };
    });
    await store.slice.createMany({ data: rows });
    sliceIds.push(...rows.map((r) => r.id));
  }

  const training = await store.run.create({
    data: { kind: 'TRAIN', method: 'MC_DROPOUT', config: { preset: 'synthetic' }, seed: 1, status: 'SUCCEEDED', progress: 1, codeVersion: 'seed', createdBy: 'seed', datasetId: dataset.id },
  });
  const checkpoint = await store.checkpoint.create({
    data: { runId: training.id, epoch: 1, valNll: 0.5, weightsSha256: crypto.randomBytes(32).toString('hex'), config: {}, backend: 'cpu' },
  });
  const evalRun = await store.run.create({
    data: { kind: 'EVALUATE', method: 'MC_DROPOUT', config: { slices: sliceIds.length }, seed: 2, status: 'SUCCEEDED', progress: 1, codeVersion: 'seed', createdBy: 'seed', datasetId: dataset.id },
  });
  const evaluation = await store.evaluation.create({
    data: { runId: evalRun.id, trainingRunId: training.id, datasetId: dataset.id, split: 'TEST', samples: 5, calibrationBins: bins, metricVersion: 1 },
  });
  await store.evaluationCheckpoint.create({ data: { evaluationId: evaluation.id, checkpointId: checkpoint.id } });

  const predictionIds: string[] = [];
  for (let start = 0; options.predictions !== false && start < sliceIds.length; start += 200) {
    const chunk = sliceIds.slice(start, start + 200);
    const predictions = chunk.map((sliceId) => ({
      id: crypto.randomUUID(),
      evaluationId: evaluation.id,
      sliceId,
      shard: 0,
      labelMap: packLabels(new Uint8Array(pixels).map(() => Math.floor(random() * 4))),
      entropyMap: packNatsMap(new Float32Array(pixels).map(() => random())),
      miMap: packNatsMap(new Float32Array(pixels).map(() => random() * 0.3)),
    }));
    await store.prediction.createMany({ data: predictions });
    await store.structureMetric.createMany({
      data: predictions.flatMap((p) =>
        (['LV', 'MYO', 'RV'] as const).map((structure) => {
          const assd = random() * 4;
          return {
            predictionId: p.id,
            evaluationId: evaluation.id,
            structure,
            status: 'OK' as const,
            dice: 0.5 + random() / 2,
            assdMm: assd,
            hdMm: assd * 3,
            hd95Mm: assd * 2,
            diceWithin: 0.6 + random() * 0.4,
            assdWithinMm: random() * 2,
            poor: assd > 1.5,
            metricVersion: 1,
          };
        }),
      ),
    });
    await store.imageMetric.createMany({
      data: predictions.map((p) => {
        const counts = Array.from({ length: bins }, () => Math.floor(random() * (pixels / bins)));
        return {
          predictionId: p.id,
          evaluationId: evaluation.id,
          nll: random(),
          brier: random() / 2,
          entropy: random(),
          mi: random() * 0.2,
          pixels: counts.reduce((a, b) => a + b, 0),
          binCounts: counts,
          binConfidenceSum: counts.map((c, i) => (c * (i + 0.5)) / bins),
          binCorrect: counts.map((c) => Math.floor(c * random())),
          metricVersion: 1,
        };
      }),
    });
    predictionIds.push(...predictions.map((p) => p.id));
  }
  return { datasetId: dataset.id, trainingRunId: training.id, checkpointId: checkpoint.id, evaluationRunId: evalRun.id, evaluationId: evaluation.id, sliceIds, predictionIds };
}
