/**
 * Writes one evaluation shard's results — predictions, per-structure and per-image metrics,
 * optional samples, and an audit event — in one transaction. Each table gets one multi-row
 * statement: the metric rows as column arrays through INSERT … SELECT FROM unnest(…), so a shard's
 * metrics cost two statements whatever its size (docs/design.md "Store"). Exactly once:
 * a transaction-scoped lock on (evaluation, shard) and a check for existing rows make a retry or
 * a concurrent second attempt write nothing; a shard killed midway never committed anything.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { DIGEST_VERSION, shardDigest } from '../db/result-digest';
import type { SliceStructureCounts } from '../engine/clinical/structure-counts';
import { STRUCTURES } from '../engine/data/types';
import type { ReliabilityHistogram as SliceHistogram } from '../engine/metrics/calibration';
import type { FineConfidenceHistogram } from '../engine/metrics/fine-confidence-histogram';
import { METRIC_VERSION, type SliceEvaluation } from '../engine/metrics/slice-evaluation';
import { Prisma } from '../db/generated/client';
import { packLabels, packNatsMap } from './map-codec';

type Tx = Parameters<Parameters<Store['$transaction']>[0]>[0];

export interface ShardRow {
  sliceId: string;
  result: SliceEvaluation;
  /** S_t per sample, when the evaluation stores samples. */
  sampleLabels: Uint8Array[];
  /** Structure pixels in S̄, each S_t and the ground truth (biomarkers); absent: stored as null. */
  counts?: SliceStructureCounts;
}

export async function writeShard(
  store: Store,
  shard: { runId: string; evaluationId: string; shard: number; actor: string; backend: string; rows: ShardRow[] },
): Promise<boolean> {
  const { evaluationId, rows } = shard;
  return store.$transaction(
    async (tx) => {
      // A concurrent attempt of the same shard may have committed meanwhile: then write nothing.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${evaluationId}), ${shard.shard})`;
      if ((await tx.prediction.count({ where: { evaluationId, shard: shard.shard } })) > 0) return false;
      const predictions = rows.map(({ sliceId, result }) => ({
        id: crypto.randomUUID(),
        evaluationId,
        sliceId,
        shard: shard.shard,
        labelMap: packLabels(result.meanLabels),
        entropyMap: result.entropyMap ? packNatsMap(result.entropyMap) : null,
        miMap: result.miMap ? packNatsMap(result.miMap) : null,
      }));
      await tx.prediction.createMany({ data: predictions });
      await insertStructureMetrics(
        tx,
        evaluationId,
        rows,
        predictions.map((p) => p.id),
      );
      await insertImageMetrics(
        tx,
        evaluationId,
        rows,
        predictions.map((p) => p.id),
      );
      const samples = rows.flatMap(({ sampleLabels }, i) =>
        sampleLabels.map((labels, t) => ({ predictionId: predictions[i].id, index: t, labelMap: packLabels(labels) })),
      );
      if (samples.length) await tx.sample.createMany({ data: samples });
      await appendAudit(tx, {
        actor: shard.actor,
        action: 'evaluation.shard.stored',
        entity: 'Evaluation',
        entityId: evaluationId,
        details: {
          runId: shard.runId,
          shard: shard.shard,
          predictions: predictions.map((p) => p.id),
          backend: shard.backend,
          host: os.hostname(),
          digest: await shardDigest(tx, evaluationId, shard.shard),
          digestVersion: DIGEST_VERSION,
        },
      });
      return true;
    },
    { timeout: 120000, maxWait: 60000 },
  );
}

/**
 * Floats travel as their shortest round-trip text (String(x)), which Postgres parses back to the
 * same double: a number[] parameter loses the last digit on its way through the driver adapter.
 */
const floats = (values: Array<number | null>) => values.map((v) => (v === null ? null : String(v)));

/**
 * Per-sample pixel counts travel flattened, T values a row, and are cut back per row; a shard has
 * counts for every slice (the same T) or for none (then the three columns stay null).
 */
async function insertStructureMetrics(tx: Tx, evaluationId: string, rows: ShardRow[], predictionIds: string[]) {
  const T = rows[0]?.counts?.samplePixels.length ?? 0;
  if (rows.some((r) => (r.counts?.samplePixels.length ?? 0) !== T))
    throw new RangeError(`every slice of a shard needs counts of ${T} samples, or none`);
  const metrics = rows.flatMap(({ result, counts }, i) =>
    STRUCTURES.map((structure) => ({
      id: predictionIds[i],
      structure,
      m: result.structures[structure],
      counts,
      topology: result.plausibility?.topology,
    })),
  );
  const column = <T>(f: (row: (typeof metrics)[number]) => T) => metrics.map(f);
  await tx.$executeRaw`
    INSERT INTO "StructureMetric" ("predictionId", "evaluationId", structure, status, dice, "assdMm", "hdMm", "hd95Mm", "diceWithin", "assdWithinMm", poor, "metricVersion", pixels, "samplePixels", "gtPixels", components, holes)
    SELECT u.id, ${evaluationId}::uuid, u.structure::"Structure", u.status::"MetricStatus", u.dice, u.assd, u.hd, u.hd95, u.dw, u.aw, u.poor, ${METRIC_VERSION}::int,
      u.px, CASE WHEN ${T}::int > 0 THEN c.v[(u.i - 1) * ${T}::int + 1 : u.i * ${T}::int] END, u.gp, u.cm, u.ho
    FROM unnest(${column((r) => r.id)}::uuid[], ${column((r) => r.structure)}::text[], ${column((r) => r.m.status)}::text[],
      ${floats(column((r) => r.m.dice))}::text[]::float8[], ${floats(column((r) => r.m.assdMm))}::text[]::float8[], ${floats(column((r) => r.m.hdMm))}::text[]::float8[], ${floats(column((r) => r.m.hd95Mm))}::text[]::float8[],
      ${floats(column((r) => r.m.diceWithin))}::text[]::float8[], ${floats(column((r) => r.m.assdWithinMm))}::text[]::float8[], ${column((r) => r.m.poor)}::bool[],
      ${column((r) => r.counts?.pixels[r.structure] ?? null)}::int[], ${column((r) => r.counts?.gtPixels?.[r.structure] ?? null)}::int[],
      ${column((r) => r.topology?.[r.structure].components ?? null)}::int[], ${column((r) => r.topology?.[r.structure].holes ?? null)}::int[])
      WITH ORDINALITY AS u(id, structure, status, dice, assd, hd, hd95, dw, aw, poor, px, gp, cm, ho, i),
      (SELECT ${metrics.flatMap((r) => r.counts?.samplePixels.map((c) => c[r.structure]) ?? [])}::int[] AS v) c`;
}

/**
 * The reliability histograms travel flattened, `bins` values a row, and are cut back per row; the
 * per-class histograms likewise, C·bins a row. The fine histograms list only their non-empty bins,
 * so each row's slice of the flattened arrays runs from its offset for its length. A shard has the
 * class and fine histograms for every slice or for none (then those columns stay null).
 */
async function insertImageMetrics(tx: Tx, evaluationId: string, rows: ShardRow[], predictionIds: string[]) {
  const bins = rows[0]?.result.histogram.count.length ?? 0;
  const classCells = rows[0]?.result.classHistograms?.length ? rows[0].result.classHistograms.length * bins : 0;
  const fine = rows.every((r) => r.result.confidenceHistogram) && rows.length > 0;
  if (!fine && rows.some((r) => r.result.confidenceHistogram))
    throw new RangeError('every slice of a shard needs a fine confidence histogram, or none');
  for (const { result } of rows) {
    const h = result.histogram;
    if (h.count.length !== bins || h.sumConfidence.length !== bins || h.sumCorrect.length !== bins)
      throw new RangeError(`every slice of a shard needs ${bins} calibration bins`);
    const classes = result.classHistograms ?? [];
    if (classes.length * bins !== classCells || classes.some((c) => c.count.length !== bins))
      throw new RangeError(`every slice of a shard needs ${classCells / (bins || 1)} class histograms of ${bins} bins`);
    // Postgres would round a fraction cast to int[]; a count that is not an integer is a bug upstream.
    const counts = [...h.count, ...h.sumCorrect, ...classes.flatMap((c) => [...c.count, ...c.sumCorrect])];
    const f = result.confidenceHistogram;
    if (f) counts.push(...f.count, ...f.sumCorrect);
    if (!counts.every(Number.isInteger)) throw new RangeError('calibration bin counts must be integers');
  }
  const column = <T>(f: (row: ShardRow) => T) => rows.map(f);
  const classColumn = (f: (h: SliceHistogram) => number[]) =>
    rows.flatMap((r) => (r.result.classHistograms ?? []).flatMap(f));
  const fineColumn = (f: (h: FineConfidenceHistogram) => number[]) =>
    rows.flatMap((r) => (r.result.confidenceHistogram ? f(r.result.confidenceHistogram) : []));
  const fineLengths = column((r) => r.result.confidenceHistogram?.bins ?? 0);
  const fineOffsets = fineLengths.map((_, i) => fineLengths.slice(0, i).reduce((a, b) => a + b, 0));
  const cut = (v: Prisma.Sql) => Prisma.sql`${v}[u.fo + 1 : u.fo + u.fl]`;
  await tx.$executeRaw`
    INSERT INTO "ImageMetric" ("predictionId", "evaluationId", nll, brier, entropy, mi, pixels, "binCounts", "binConfidenceSum", "binCorrect",
      "classBinCounts", "classBinProbabilitySum", "classBinHits",
      "fineBinIndex", "fineBinCounts", "fineBinConfidenceSum", "fineBinCorrect", "fineBinMin", "fineBinMax", "lvExposed", "rvLvContact", "metricVersion")
    SELECT u.id, ${evaluationId}::uuid, u.nll, u.brier, u.entropy, u.mi, u.pixels,
      c.v[(u.i - 1) * ${bins}::int + 1 : u.i * ${bins}::int], s.v[(u.i - 1) * ${bins}::int + 1 : u.i * ${bins}::int], k.v[(u.i - 1) * ${bins}::int + 1 : u.i * ${bins}::int],
      CASE WHEN ${classCells}::int > 0 THEN cc.v[(u.i - 1) * ${classCells}::int + 1 : u.i * ${classCells}::int] END,
      CASE WHEN ${classCells}::int > 0 THEN cp.v[(u.i - 1) * ${classCells}::int + 1 : u.i * ${classCells}::int] END,
      CASE WHEN ${classCells}::int > 0 THEN ch.v[(u.i - 1) * ${classCells}::int + 1 : u.i * ${classCells}::int] END,
      CASE WHEN ${fine} THEN ${cut(Prisma.sql`fi.v`)} END, CASE WHEN ${fine} THEN ${cut(Prisma.sql`fc.v`)} END,
      CASE WHEN ${fine} THEN ${cut(Prisma.sql`fs.v`)} END, CASE WHEN ${fine} THEN ${cut(Prisma.sql`fk.v`)} END,
      CASE WHEN ${fine} THEN ${cut(Prisma.sql`fmin.v`)} END, CASE WHEN ${fine} THEN ${cut(Prisma.sql`fmax.v`)} END,
      u.lx, u.rl, ${METRIC_VERSION}::int
    FROM unnest(${predictionIds}::uuid[], ${floats(column((r) => r.result.nll))}::text[]::float8[], ${floats(column((r) => r.result.brier))}::text[]::float8[],
      ${floats(column((r) => r.result.entropy))}::text[]::float8[], ${floats(column((r) => r.result.mi))}::text[]::float8[], ${column((r) => r.result.meanLabels.length)}::int[],
      ${fineOffsets}::int[], ${fineLengths}::int[],
      ${column((r) => r.result.plausibility?.lvExposed ?? null)}::int[], ${column((r) => r.result.plausibility?.rvLvContact ?? null)}::int[])
      WITH ORDINALITY AS u(id, nll, brier, entropy, mi, pixels, fo, fl, lx, rl, i),
      (SELECT ${rows.flatMap((r) => r.result.histogram.count)}::int[] AS v) c,
      (SELECT ${floats(rows.flatMap((r) => r.result.histogram.sumConfidence))}::text[]::float8[] AS v) s,
      (SELECT ${rows.flatMap((r) => r.result.histogram.sumCorrect)}::int[] AS v) k,
      (SELECT ${classColumn((h) => h.count)}::int[] AS v) cc,
      (SELECT ${floats(classColumn((h) => h.sumConfidence))}::text[]::float8[] AS v) cp,
      (SELECT ${classColumn((h) => h.sumCorrect)}::int[] AS v) ch,
      (SELECT ${fineColumn((h) => h.index)}::int[] AS v) fi,
      (SELECT ${fineColumn((h) => h.count)}::int[] AS v) fc,
      (SELECT ${floats(fineColumn((h) => h.sumConfidence))}::text[]::float8[] AS v) fs,
      (SELECT ${fineColumn((h) => h.sumCorrect)}::int[] AS v) fk,
      (SELECT ${floats(fineColumn((h) => h.min))}::text[]::float8[] AS v) fmin,
      (SELECT ${floats(fineColumn((h) => h.max))}::text[]::float8[] AS v) fmax`;
}
