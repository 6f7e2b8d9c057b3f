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
  options: {
    name?: string;
    subjects?: number;
    slicesPerSubject?: number;
    size?: number;
    bins?: number;
    seed?: number;
    predictions?: boolean;
  } = {},
): Promise<SyntheticStudy> {
  const subjects = options.subjects ?? 4;
  const perSubject = options.slicesPerSubject ?? 5;
  const size = options.size ?? 16;
  const bins = options.bins ?? 15;
  const random = rng(options.seed ?? 1);
  const name = options.name ?? `synthetic-${crypto.randomBytes(4).toString('hex')}`;
  const pixels = size * size;

  const dataset = await store.dataset.create({
    data: {
      name,
      source: 'PHANTOM',
      site: 'A',
      contentHash: crypto.randomBytes(32).toString('hex'),
      createdBy: 'seed',
    },
  });
  const sliceIds: string[] = [];
  for (let s = 0; s < subjects; s++) {
    const subject = await store.subject.create({
      data: {
        datasetId: dataset.id,
        externalId: `subject${String(s).padStart(3, '0')}`,
        split: 'TEST',
        group: s % 2 ? 'DCM' : 'NOR',
      },
    });
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
    data: {
      kind: 'TRAIN',
      method: 'MC_DROPOUT',
      config: { preset: 'synthetic' },
      seed: 1,
      status: 'SUCCEEDED',
      progress: 1,
      codeVersion: 'seed',
      createdBy: 'seed',
      datasetId: dataset.id,
    },
  });
  const checkpoint = await store.checkpoint.create({
    data: {
      runId: training.id,
      epoch: 1,
      valNll: 0.5,
      weightsSha256: crypto.randomBytes(32).toString('hex'),
      config: {},
      backend: 'cpu',
    },
  });
  const evalRun = await store.run.create({
    data: {
      kind: 'EVALUATE',
      method: 'MC_DROPOUT',
      config: { slices: sliceIds.length },
      seed: 2,
      status: 'SUCCEEDED',
      progress: 1,
      codeVersion: 'seed',
      createdBy: 'seed',
      datasetId: dataset.id,
    },
  });
  const evaluation = await store.evaluation.create({
    data: {
      runId: evalRun.id,
      trainingRunId: training.id,
      datasetId: dataset.id,
      split: 'TEST',
      samples: 5,
      calibrationBins: bins,
      metricVersion: 1,
    },
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
  return {
    datasetId: dataset.id,
    trainingRunId: training.id,
    checkpointId: checkpoint.id,
    evaluationRunId: evalRun.id,
    evaluationId: evaluation.id,
    sliceIds,
    predictionIds,
  };
}

/** One trained variant of the synthetic quick study and what was evaluated with it. */
export interface SyntheticVariant {
  label: string;
  seed: number;
  trainingRunId: string;
  sweepRunId: string;
  /** The sweep's undistorted site-A TEST evaluation (level 0). */
  siteA: string;
  /** Undistorted, all of site B; absent for a variant whose site-B evaluation has not run. */
  siteB?: string;
}

export interface SyntheticQuickStudy {
  studyRunId: string;
  datasets: { A: string; B: string };
  variants: SyntheticVariant[];
  evaluations: Array<{ id: string; trainingRunId: string; site: 'A' | 'B'; kind: string; level: number }>;
  /** A second PLAIN training (seed 2) whose sweep is still RUNNING: only level 0 and NOISE 1 finished. */
  running: SyntheticVariant;
}

const QUICK_VARIANTS = [
  { label: 'PLAIN', method: 'PLAIN', config: { method: 'plain' } },
  { label: 'MCD-0.1', method: 'MC_DROPOUT', config: { method: 'mcd', dropout: { rate: 0.1, layers: 'middle' } } },
  { label: 'MCD-0.5', method: 'MC_DROPOUT', config: { method: 'mcd', dropout: { rate: 0.5, layers: 'middle' } } },
  { label: 'BBB', method: 'BBB', config: { method: 'bbb', bayes: { priorSigma: 0.1, klWeight: 10 } } },
  { label: 'DE-5', method: 'ENSEMBLE', config: { method: 'ensemble', members: 5 } },
] as const;
const KINDS = ['NOISE', 'BLUR', 'STRETCH'] as const;

/**
 * A store the size of the quick study (src/services/study/plan.ts `quick`), written in bulk SQL in
 * a few seconds: site A of 20 subjects (14/2/4 TRAIN/VAL/TEST) and site B of 10, `slicesPerSubject`
 * slices each (ED and ES); five variants trained on A (one checkpoint each), each with a SWEEP on A's
 * TEST split (level 0 and NOISE/BLUR/STRETCH levels 1–4, T = 20) and an undistorted evaluation of all
 * of B, every evaluation with one prediction per slice, its structure and image metrics; plus a
 * second PLAIN training whose sweep is still running. Metrics come from Postgres' random() after
 * setseed and worsen with the distortion level; every prediction shares one set of valid maps, so
 * the slice viewer renders; each structure metric carries pixel counts (mean segmentation, T samples,
 * truth) and the subjects a slice spacing, so every evaluation has biomarkers, and each image metric
 * per-class and fine confidence histograms (class-wise and adaptive ECE). No audit events (no shard
 * wrote these rows).
 */
export async function seedSyntheticQuickStudy(
  store: Store,
  options: { slicesPerSubject?: number; size?: number; seed?: number } = {},
): Promise<SyntheticQuickStudy> {
  const perSubject = options.slicesPerSubject ?? 16;
  const size = options.size ?? 32;
  const pixels = size * size;
  const random = rng(options.seed ?? 7);
  const id = () => crypto.randomUUID();
  const base = {
    codeVersion: 'synthetic',
    createdBy: 'synthetic',
    status: 'SUCCEEDED' as const,
    progress: 1,
    backend: 'cpu',
  };
  const tag = crypto.randomBytes(3).toString('hex');

  const studyRunId = id();
  const runs: any[] = [{ ...base, id: studyRunId, kind: 'STUDY', config: { preset: 'quick', synthetic: true } }];
  const datasets = { A: id(), B: id() };
  const datasetRows = (['A', 'B'] as const).map((site) => {
    const runId = id();
    runs.push({
      ...base,
      id: runId,
      kind: 'DATASET',
      config: { name: `phantom-${site}-${tag}`, site },
      parentRunId: studyRunId,
    });
    return {
      id: datasets[site],
      name: `phantom-${site}-${tag}`,
      source: 'PHANTOM' as const,
      site,
      contentHash: crypto.randomBytes(32).toString('hex'),
      createdBy: 'synthetic',
      createdByRunId: runId,
    };
  });
  const image = Buffer.from(
    new Float32Array(pixels).map((_, i) => ((i % size) + Math.floor(i / size)) / (2 * size)).buffer,
  );
  const label = Buffer.from(
    new Uint8Array(pixels).map((_, i) =>
      Math.hypot((i % size) - size / 2, Math.floor(i / size) - size / 2) < size / 4 ? 1 + (i % 3) : 0,
    ),
  );
  const labelMap = Buffer.from(packLabels(label));
  const entropyMap = Buffer.from(packNatsMap(new Float32Array(pixels).map(() => random())));
  const miMap = Buffer.from(packNatsMap(new Float32Array(pixels).map(() => random() * 0.3)));

  const subjects: any[] = [];
  const slices: any[] = [];
  for (const [site, count] of [
    ['A', 20],
    ['B', 10],
  ] as const) {
    for (let s = 0; s < count; s++) {
      const subjectId = id();
      const split = site === 'B' ? 'TEST' : s < 14 ? 'TRAIN' : s < 16 ? 'VAL' : 'TEST';
      subjects.push({
        id: subjectId,
        datasetId: datasets[site],
        externalId: `patient${String(s + 1).padStart(3, '0')}`,
        split,
        group: ['NOR', 'DCM', 'HCM', 'MINF', 'RV'][s % 5],
        sliceSpacingMm: 10,
      });
      for (let z = 0; z < perSubject; z++) {
        const count2 = perSubject / 2;
        const index = Math.floor(z / 2);
        slices.push({
          id: id(),
          subjectId,
          phase: z % 2 ? 'ES' : 'ED',
          sliceIndex: index,
          sliceCount: count2,
          position: count2 > 1 ? index / (count2 - 1) : 0.5,
          spacingXMm: 1.8,
          spacingYMm: 1.8,
          rows: size,
          cols: size,
          image,
          label,
          contentHash: crypto.randomBytes(32).toString('hex'),
        });
      }
    }
  }

  const checkpoints: any[] = [];
  const evaluationRows: any[] = [];
  const evaluations: SyntheticQuickStudy['evaluations'] = [];
  function evaluate(
    trainingRunId: string,
    method: string,
    site: 'A' | 'B',
    kind: string,
    level: number,
    parentRunId: string,
    status = 'SUCCEEDED',
  ): string {
    const runId = id();
    runs.push({
      ...base,
      id: runId,
      kind: 'EVALUATE',
      method,
      status,
      progress: status === 'SUCCEEDED' ? 1 : 0,
      parentRunId,
      datasetId: datasets[site],
      config: {
        trainingRunId,
        datasetId: datasets[site],
        split: site === 'A' ? 'TEST' : null,
        distortion: { kind, level },
        samples: 20,
        storeSamples: false,
        shardSize: 16,
        slices: 1,
      },
    });
    if (status !== 'SUCCEEDED') return '';
    const evaluationId = id();
    evaluationRows.push({
      id: evaluationId,
      runId,
      trainingRunId,
      datasetId: datasets[site],
      split: site === 'A' ? 'TEST' : null,
      distortionKind: kind,
      distortionLevel: level,
      samples: 20,
      metricVersion: 1,
    });
    evaluations.push({ id: evaluationId, trainingRunId, site, kind, level });
    return evaluationId;
  }
  function train(
    v: (typeof QUICK_VARIANTS)[number],
    seed: number,
    sweepStatus: 'SUCCEEDED' | 'RUNNING',
  ): SyntheticVariant {
    const trainingRunId = id();
    runs.push({
      ...base,
      id: trainingRunId,
      kind: 'TRAIN',
      method: v.method,
      seed,
      datasetId: datasets.A,
      parentRunId: studyRunId,
      config: { ...v.config, datasetId: datasets.A, preset: 'quick', seed },
    });
    checkpoints.push({
      id: id(),
      runId: trainingRunId,
      epoch: 10,
      valNll: 0.3,
      weightsSha256: crypto.randomBytes(32).toString('hex'),
      config: {},
      backend: 'cpu',
    });
    const sweepRunId = id();
    runs.push({
      ...base,
      id: sweepRunId,
      kind: 'SWEEP',
      method: v.method,
      seed,
      status: sweepStatus,
      progress: sweepStatus === 'RUNNING' ? 0.15 : 1,
      datasetId: datasets.A,
      parentRunId: studyRunId,
      config: {
        trainingRunId,
        datasetId: datasets.A,
        split: 'TEST',
        kinds: [...KINDS],
        levels: [1, 2, 3, 4],
        samples: 20,
      },
    });
    const siteA = evaluate(trainingRunId, v.method, 'A', 'NONE', 0, sweepRunId);
    KINDS.forEach((kind, k) =>
      [1, 2, 3, 4].forEach((level) =>
        evaluate(
          trainingRunId,
          v.method,
          'A',
          kind,
          level,
          sweepRunId,
          sweepStatus === 'SUCCEEDED' || (k === 0 && level === 1) ? 'SUCCEEDED' : 'QUEUED',
        ),
      ),
    );
    const siteB =
      sweepStatus === 'SUCCEEDED' ? evaluate(trainingRunId, v.method, 'B', 'NONE', 0, studyRunId) : undefined;
    return { label: v.label, seed, trainingRunId, sweepRunId, siteA, siteB };
  }
  const variants = QUICK_VARIANTS.map((v) => train(v, 1, 'SUCCEEDED'));
  const running = train(QUICK_VARIANTS[0], 2, 'RUNNING');

  await store.run.createMany({ data: runs.filter((r) => r.kind === 'STUDY' || r.kind === 'DATASET') });
  await store.dataset.createMany({ data: datasetRows });
  await store.run.createMany({ data: runs.filter((r) => r.kind === 'TRAIN') });
  await store.run.createMany({ data: runs.filter((r) => r.kind === 'SWEEP') });
  await store.run.createMany({ data: runs.filter((r) => r.kind === 'EVALUATE') });
  await store.subject.createMany({ data: subjects });
  for (let i = 0; i < slices.length; i += 1000) await store.slice.createMany({ data: slices.slice(i, i + 1000) });
  await store.checkpoint.createMany({ data: checkpoints });
  await store.evaluation.createMany({ data: evaluationRows });
  await store.$executeRaw`
    INSERT INTO "EvaluationCheckpoint" ("evaluationId", "checkpointId")
    SELECT e.id, c.id FROM "Evaluation" e JOIN "Checkpoint" c ON c."runId" = e."trainingRunId" WHERE e.id = ANY(${evaluationRows.map((e) => e.id)}::uuid[])`;
  const ids = evaluationRows.map((e) => e.id);
  await store.$executeRawUnsafe(`SELECT setseed(${((options.seed ?? 7) % 100) / 100})`);
  await store.$executeRaw`
    INSERT INTO "Prediction" (id, "evaluationId", "sliceId", shard, "labelMap", "entropyMap", "miMap")
    SELECT gen_random_uuid(), e.id, s.id, 0, ${labelMap}, ${entropyMap}, ${miMap}
    FROM "Evaluation" e JOIN "Subject" su ON su."datasetId" = e."datasetId" AND (e.split IS NULL OR su.split = e.split) JOIN "Slice" s ON s."subjectId" = su.id
    WHERE e.id = ANY(${ids}::uuid[])`;
  // Accuracy falls and uncertainty rises with the level, so the box plots have a shape.
  // Pixel counts for the biomarkers: a slice's truth is fixed (from its id), the mean segmentation
  // off it by up to ±10 %, each of the T samples off that by up to ±5 %.
  await store.$executeRaw`
    INSERT INTO "StructureMetric" ("predictionId", "evaluationId", structure, status, dice, "assdMm", "hdMm", "hd95Mm", "diceWithin", "assdWithinMm", poor, "metricVersion", "gtPixels", pixels, "samplePixels")
    SELECT id, "evaluationId", st, CASE WHEN assd IS NULL THEN 'PRED_EMPTY' ELSE 'OK' END::"MetricStatus", dice, assd, assd * 3, assd * 2, dw, aw, assd IS NULL OR assd > 2 OR dice < 0.7, 1,
      gt, px, ARRAY(SELECT round(px * (0.95 + 0.1 * random()))::int FROM generate_series(1, t))
    FROM (SELECT *, round(gt * (0.9 + 0.2 * random()))::int AS px
      FROM (SELECT p.id, p."evaluationId", st, greatest(0, 0.95 - 0.08 * e."distortionLevel" - 0.3 * random()) AS dice,
                 CASE WHEN random() < 0.03 THEN NULL ELSE 0.3 + (1 + e."distortionLevel") * 1.2 * random() END AS assd,
                 0.6 + 0.4 * random() AS dw, 2 * random() AS aw, e.samples AS t,
                 ((CASE st WHEN 'LV' THEN 150 WHEN 'MYO' THEN 90 ELSE 130 END)
                   * (CASE WHEN s.phase = 'ES' AND st <> 'MYO' THEN 0.45 ELSE 1 END)
                   + ((hashtext(s.id::text) % 40) + 40) % 40)::int AS gt
          FROM "Prediction" p JOIN "Evaluation" e ON e.id = p."evaluationId" JOIN "Slice" s ON s.id = p."sliceId",
            unnest(ARRAY['LV', 'MYO', 'RV']::"Structure"[]) st WHERE p."evaluationId" = ANY(${ids}::uuid[])) y) x`;
  await store.$executeRaw`
    INSERT INTO "ImageMetric" ("predictionId", "evaluationId", nll, brier, entropy, mi, pixels, "binCounts", "binConfidenceSum", "binCorrect",
      "classBinCounts", "classBinProbabilitySum", "classBinHits",
      "fineBinIndex", "fineBinCounts", "fineBinConfidenceSum", "fineBinCorrect", "fineBinMin", "fineBinMax", "metricVersion")
    SELECT p.id, p."evaluationId", (1 + e."distortionLevel") * random() / 5, random() / 4, (1 + e."distortionLevel") * random() / 10, random() / 50, 15 * 40,
      array_fill(40, ARRAY[15]), ARRAY(SELECT 40 * (b + 0.5) / 15 FROM generate_series(0, 14) b)::float8[],
      ARRAY(SELECT floor(40 * least(1, (b + 0.5) / 15 + 0.1 * random()))::int FROM generate_series(0, 14) b),
      array_fill(40, ARRAY[60]), ARRAY(SELECT 40 * (b % 15 + 0.5) / 15 FROM generate_series(0, 59) b)::float8[],
      ARRAY(SELECT floor(40 * least(1, (b % 15 + 0.5) / 15 + 0.1 * random()))::int FROM generate_series(0, 59) b),
      -- the fine histogram: 20 single-valued bins of 30 pixels, confidences 0.9 … 0.995 (so adaptive ECE is exact)
      ARRAY(SELECT 900 + 5 * k FROM generate_series(0, 19) k), array_fill(30, ARRAY[20]),
      ARRAY(SELECT 30 * (0.9 + 0.005 * k) FROM generate_series(0, 19) k)::float8[],
      ARRAY(SELECT floor(30 * least(1, 0.85 + 0.005 * k + 0.1 * random() - 0.02 * e."distortionLevel"))::int FROM generate_series(0, 19) k),
      ARRAY(SELECT 0.9 + 0.005 * k FROM generate_series(0, 19) k)::float8[], ARRAY(SELECT 0.9 + 0.005 * k FROM generate_series(0, 19) k)::float8[], 1
    FROM "Prediction" p JOIN "Evaluation" e ON e.id = p."evaluationId" WHERE p."evaluationId" = ANY(${ids}::uuid[])`;
  return { studyRunId, datasets, variants, evaluations, running };
}
