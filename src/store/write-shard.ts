/**
 * Writes one evaluation shard's results — predictions, per-structure and per-image metrics,
 * optional samples, and an audit event — in one transaction (docs/design.md "Store"). The metric
 * rows travel as column arrays through INSERT … SELECT FROM unnest(…), all four tables in one
 * statement (data-modifying CTEs), so a shard costs three round trips to Postgres whatever its size,
 * spoken to pg directly (db/client.ts poolOf): a statement through Prisma's interactive transaction
 * cost several times a pg round trip, and the read-back digest six more statements.
 *
 * Exactly once: a transaction-scoped lock on (evaluation, shard), and the inserts run only when no
 * prediction of the shard exists in a snapshot taken after the lock, so a retry or a concurrent
 * second attempt writes nothing; a shard killed midway never committed anything. The audit lock
 * (db/audit.ts) is taken with the shard lock, in the statement before the one that reads the
 * chain's newest event, so concurrent writers extend one chain.
 *
 * The event's digest (db/result-digest.ts) is computed from the rows as written, through the same
 * serialisation `shardDigest` applies to the rows read back: every value is stored as given (floats
 * as their shortest round-trip text, which Postgres parses back to the same double; integers and
 * booleans checked before writing, so nothing is rounded or coerced), the evaluation row and the
 * predictions' creation time come back from the inserting statement itself, and
 * test/store/write-shard.test.ts checks the recorded digest against the read-back one.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { poolOf, type Store } from '../db/client';
import { AUDIT_LOCK, prepareAuditEvent } from '../db/audit';
import { DIGEST_VERSION, digestShardRows, type DigestEvaluation, type DigestPrediction } from '../db/result-digest';
import type { SliceStructureCounts } from '../engine/clinical/structure-counts';
import { STRUCTURES } from '../engine/data/types';
import type { ReliabilityHistogram as SliceHistogram } from '../engine/metrics/calibration';
import type { FineConfidenceHistogram } from '../engine/metrics/fine-confidence-histogram';
import { METRIC_VERSION, type SliceEvaluation } from '../engine/metrics/slice-evaluation';
import { Prisma } from '../db/generated/client';
import { packLabels, packNatsMap } from './map-codec';

export interface ShardRow {
  sliceId: string;
  result: SliceEvaluation;
  /** S_t per sample, when the evaluation stores samples. */
  sampleLabels: Uint8Array[];
  /** Structure pixels in S̄, each S_t and the ground truth (biomarkers); absent: stored as null. */
  counts?: SliceStructureCounts;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Timestamps as Prisma reads timestamp(3) back: the stored clock time taken as UTC. */
const ISO_TIME = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export async function writeShard(
  store: Store,
  shard: { runId: string; evaluationId: string; shard: number; actor: string; backend: string; rows: ShardRow[] },
): Promise<boolean> {
  const { evaluationId, rows } = shard;
  // Ids are stored in Postgres' canonical form, so the digest needs them in that form already.
  if (!UUID.test(evaluationId)) throw new RangeError(`evaluation id ${evaluationId} is not a lower-case UUID`);
  if (!Number.isInteger(shard.shard) || shard.shard < 0 || shard.shard > 2 ** 31 - 1)
    throw new RangeError(`shard ${shard.shard} is not a non-negative int`);
  const predictions = rows.map(({ sliceId, result }) => {
    if (!UUID.test(sliceId)) throw new RangeError(`slice id ${sliceId} is not a lower-case UUID`);
    return {
      id: crypto.randomUUID(),
      sliceId,
      labelMap: packLabels(result.meanLabels),
      entropyMap: result.entropyMap ? packNatsMap(result.entropyMap) : null,
      miMap: result.miMap ? packNatsMap(result.miMap) : null,
    };
  });
  const structures = structureColumns(evaluationId, rows, predictions);
  const images = imageColumns(evaluationId, rows, predictions);
  const samples = rows.flatMap(({ sampleLabels }, i) =>
    sampleLabels.map((labels, t) => ({ predictionId: predictions[i].id, index: t, labelMap: packLabels(labels) })),
  );
  const ev = Prisma.sql`${evaluationId}::uuid`;
  const statement = Prisma.sql`
    WITH done AS (SELECT EXISTS (SELECT 1 FROM "Prediction" WHERE "evaluationId" = ${ev} AND shard = ${shard.shard}::int) AS v),
    p AS (
      INSERT INTO "Prediction" (id, "evaluationId", "sliceId", shard, "labelMap", "entropyMap", "miMap")
      SELECT u.id, ${ev}, u.slice, ${shard.shard}::int, u.lm, u.em, u.mm
      FROM unnest(${predictions.map((p) => p.id)}::uuid[], ${predictions.map((p) => p.sliceId)}::uuid[], ${predictions.map((p) => p.labelMap)}::bytea[],
        ${predictions.map((p) => p.entropyMap)}::bytea[], ${predictions.map((p) => p.miMap)}::bytea[]) AS u(id, slice, lm, em, mm)
      WHERE NOT (SELECT v FROM done)
      RETURNING id, "createdAt"),
    -- The metric inserts below run under the same condition (sm, im: their own WHERE NOT done).
    sm AS (${structures.sql}),
    im AS (${images.sql}),
    sa AS (
      INSERT INTO "Sample" ("predictionId", index, "labelMap")
      SELECT u.id, u.t, u.lm FROM unnest(${samples.map((s) => s.predictionId)}::uuid[], ${samples.map((s) => s.index)}::int[], ${samples.map((s) => s.labelMap)}::bytea[]) AS u(id, t, lm)
      WHERE NOT (SELECT v FROM done))
    SELECT (SELECT v FROM done) AS done,
      (SELECT json_object_agg(p.id, to_char(p."createdAt", ${Prisma.raw(ISO_TIME)})) FROM p) AS created,
      (SELECT json_build_object('id', e.id, 'runId', e."runId", 'trainingRunId', e."trainingRunId", 'datasetId', e."datasetId", 'split', e.split,
         'distortionKind', e."distortionKind", 'distortionLevel', e."distortionLevel", 'samples', e.samples, 'storeSamples', e."storeSamples",
         'calibrationBins', e."calibrationBins", 'metricVersion', e."metricVersion", 'createdAt', to_char(e."createdAt", ${Prisma.raw(ISO_TIME)}),
         'checkpoints', ARRAY(SELECT c."checkpointId" FROM "EvaluationCheckpoint" c WHERE c."evaluationId" = e.id ORDER BY c."checkpointId"))
       FROM "Evaluation" e WHERE e.id = ${ev}) AS evaluation,
      (SELECT json_build_object('hash', a.hash, 'keyId', a."keyId") FROM "AuditEvent" a ORDER BY a.seq DESC LIMIT 1) AS last`;

  const client = await poolOf(store).connect();
  let broken = false;
  try {
    // One simple-protocol round trip: the ids were checked above. Both locks before the statement
    // that reads the chain's head and checks for the shard, whose snapshot then sees every commit
    // made under them.
    await client.query(
      `BEGIN; SET LOCAL statement_timeout = '120s'; SELECT pg_advisory_xact_lock(hashtext('${evaluationId}'), ${shard.shard}), pg_advisory_xact_lock(${AUDIT_LOCK})`,
    );
    const result = await client.query<{
      done: boolean;
      created: Record<string, string> | null;
      evaluation:
        (Omit<DigestEvaluation, 'createdAt' | 'checkpoints'> & { createdAt: string; checkpoints: string[] }) | null;
      last: { hash: string; keyId: string | null } | null;
    }>({ name: statementName(statement.text), text: statement.text, values: statement.values });
    const [r] = result.rows;
    if (r.done) {
      await client.query('ROLLBACK');
      return false;
    }
    const e = r.evaluation;
    if (!e) throw new Error(`evaluation ${evaluationId} does not exist`);
    const evaluation: DigestEvaluation = {
      ...e,
      createdAt: new Date(e.createdAt),
      checkpoints: e.checkpoints.map((checkpointId) => ({ checkpointId })),
    };
    const stored: DigestPrediction[] = predictions.map((p, i) => ({
      id: p.id,
      evaluationId,
      sliceId: p.sliceId,
      shard: shard.shard,
      labelMap: p.labelMap,
      entropyMap: p.entropyMap,
      miMap: p.miMap,
      createdAt: new Date(r.created![p.id]),
      structures: structures.stored[i],
      image: images.stored[i],
      samples: samples.filter((s) => s.predictionId === p.id),
    }));
    stored.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const event = prepareAuditEvent(r.last, {
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
        digest: digestShardRows(evaluation, stored),
        digestVersion: DIGEST_VERSION,
      },
    });
    await client.query(`${insertAuditSql(client, event)}; COMMIT`);
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * A named statement: each connection parses it once (its text depends on no value), and after five
 * runs Postgres may keep a generic plan. The name follows the text, so a changed text is a new one.
 */
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (!name)
    names.set(text, (name = `cuq-write-shard-${crypto.createHash('sha256').update(text).digest('hex').slice(0, 16)}`));
  return name;
}

/** The audit event's INSERT as literal SQL (pg's own quoting), so it and COMMIT make one round trip. */
function insertAuditSql(client: pg.PoolClient, event: ReturnType<typeof prepareAuditEvent>): string {
  const lit = (v: string | null) => (v === null ? 'NULL' : client.escapeLiteral(v));
  return `INSERT INTO "AuditEvent" (at, actor, action, entity, "entityId", details, "prevHash", hash, "keyId")
    VALUES (${lit(event.at.toISOString())}::timestamp(3), ${lit(event.actor)}, ${lit(event.action)}, ${lit(event.entity)}, ${lit(event.entityId)},
      ${lit(event.details)}, ${lit(event.prevHash)}, ${lit(event.hash)}, ${lit(event.keyId)})`;
}

/**
 * Floats travel as their shortest round-trip text (String(x)), which Postgres parses back to the
 * same double: a number[] parameter loses the last digit on its way through the driver adapter.
 */
const floats = (values: Array<number | null>) => values.map((v) => (v === null ? null : String(v)));

/** Values the digest takes as given must reach the table unchanged: refuse what Postgres would coerce. */
function checkFloat(v: unknown, what: string, nullable = false): void {
  if (typeof v === 'number' || (nullable && v === null)) return;
  throw new TypeError(`${what} must be a number${nullable ? ' or null' : ''}, got ${String(v)}`);
}
function checkInt(v: unknown, what: string, nullable = false): void {
  if ((typeof v === 'number' && Number.isInteger(v)) || (nullable && v === null)) return;
  throw new RangeError(`${what} must be an integer${nullable ? ' or null' : ''}, got ${String(v)}`);
}

type Predictions = Array<{ id: string }>;

/**
 * Per-sample pixel counts travel flattened, T values a row, and are cut back per row; a shard has
 * counts for every slice (the same T) or for none (then the three columns stay null).
 */
function structureColumns(evaluationId: string, rows: ShardRow[], predictions: Predictions) {
  const T = rows[0]?.counts?.samplePixels.length ?? 0;
  if (rows.some((r) => (r.counts?.samplePixels.length ?? 0) !== T))
    throw new RangeError(`every slice of a shard needs counts of ${T} samples, or none`);
  const metrics = rows.flatMap(({ result, counts }, i) =>
    STRUCTURES.map((structure) => {
      const m = result.structures[structure];
      const topology = result.plausibility?.topology?.[structure];
      const row = {
        predictionId: predictions[i].id,
        structure,
        status: m.status,
        dice: m.dice,
        assdMm: m.assdMm,
        hdMm: m.hdMm,
        hd95Mm: m.hd95Mm,
        diceWithin: m.diceWithin,
        assdWithinMm: m.assdWithinMm,
        poor: m.poor,
        metricVersion: METRIC_VERSION,
        pixels: counts?.pixels[structure] ?? null,
        samplePixels: counts?.samplePixels.map((c) => c[structure]) ?? [],
        gtPixels: counts?.gtPixels?.[structure] ?? null,
        components: topology?.components ?? null,
        holes: topology?.holes ?? null,
      };
      checkFloat(row.dice, 'dice');
      for (const k of ['assdMm', 'hdMm', 'hd95Mm', 'diceWithin', 'assdWithinMm'] as const) checkFloat(row[k], k, true);
      if (typeof row.poor !== 'boolean') throw new TypeError(`poor must be a boolean, got ${String(row.poor)}`);
      for (const k of ['pixels', 'gtPixels', 'components', 'holes'] as const) checkInt(row[k], k, true);
      for (const c of row.samplePixels) checkInt(c, 'samplePixels');
      return row;
    }),
  );
  const column = <V>(f: (row: (typeof metrics)[number]) => V) => metrics.map(f);
  const sql = Prisma.sql`
    INSERT INTO "StructureMetric" ("predictionId", "evaluationId", structure, status, dice, "assdMm", "hdMm", "hd95Mm", "diceWithin", "assdWithinMm", poor, "metricVersion", pixels, "samplePixels", "gtPixels", components, holes)
    SELECT u.id, ${evaluationId}::uuid, u.structure::"Structure", u.status::"MetricStatus", u.dice, u.assd, u.hd, u.hd95, u.dw, u.aw, u.poor, ${METRIC_VERSION}::int,
      u.px, CASE WHEN ${T}::int > 0 THEN c.v[(u.i - 1) * ${T}::int + 1 : u.i * ${T}::int] END, u.gp, u.cm, u.ho
    FROM unnest(${column((r) => r.predictionId)}::uuid[], ${column((r) => r.structure)}::text[], ${column((r) => r.status)}::text[],
      ${floats(column((r) => r.dice))}::text[]::float8[], ${floats(column((r) => r.assdMm))}::text[]::float8[], ${floats(column((r) => r.hdMm))}::text[]::float8[], ${floats(column((r) => r.hd95Mm))}::text[]::float8[],
      ${floats(column((r) => r.diceWithin))}::text[]::float8[], ${floats(column((r) => r.assdWithinMm))}::text[]::float8[], ${column((r) => r.poor)}::bool[],
      ${column((r) => r.pixels)}::int[], ${column((r) => r.gtPixels)}::int[], ${column((r) => r.components)}::int[], ${column((r) => r.holes)}::int[])
      WITH ORDINALITY AS u(id, structure, status, dice, assd, hd, hd95, dw, aw, poor, px, gp, cm, ho, i),
      (SELECT ${metrics.flatMap((r) => r.samplePixels)}::int[] AS v) c
    WHERE NOT (SELECT v FROM done)`;
  // As Prisma reads the rows back: by structure (the enum's order, STRUCTURES'), a null list as [].
  const stored = rows.map((_, i) =>
    metrics.slice(i * STRUCTURES.length, (i + 1) * STRUCTURES.length).map(({ predictionId, ...rest }) => ({
      predictionId,
      evaluationId,
      ...rest,
    })),
  );
  return { sql, stored };
}

/**
 * The reliability histograms travel flattened, `bins` values a row, and are cut back per row; the
 * per-class histograms likewise, C·bins a row. The fine histograms list only their non-empty bins,
 * so each row's slice of the flattened arrays runs from its offset for its length. A shard has the
 * class and fine histograms for every slice or for none (then those columns stay null).
 */
function imageColumns(evaluationId: string, rows: ShardRow[], predictions: Predictions) {
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
    if (
      classes.length * bins !== classCells ||
      classes.some((c) => c.count.length !== bins || c.sumConfidence.length !== bins || c.sumCorrect.length !== bins)
    )
      throw new RangeError(`every slice of a shard needs ${classCells / (bins || 1)} class histograms of ${bins} bins`);
    // Postgres would round a fraction cast to int[]; a count that is not an integer is a bug upstream.
    const counts = [...h.count, ...h.sumCorrect, ...classes.flatMap((c) => [...c.count, ...c.sumCorrect])];
    const f = result.confidenceHistogram;
    if (f) {
      if ([f.index, f.count, f.sumConfidence, f.sumCorrect, f.min, f.max].some((a) => a.length !== f.bins))
        throw new RangeError(`a fine confidence histogram needs ${f.bins} values in each of its arrays`);
      counts.push(...f.index, ...f.count, ...f.sumCorrect);
    }
    if (!counts.every(Number.isInteger)) throw new RangeError('calibration bin counts must be integers');
    for (const k of ['nll', 'brier', 'entropy', 'mi'] as const) checkFloat(result[k], k);
    for (const v of [
      ...h.sumConfidence,
      ...classes.flatMap((c) => c.sumConfidence),
      ...(f ? [...f.sumConfidence, ...f.min, ...f.max] : []),
    ])
      checkFloat(v, 'a histogram sum');
    checkInt(result.plausibility?.lvExposed ?? null, 'lvExposed', true);
    checkInt(result.plausibility?.rvLvContact ?? null, 'rvLvContact', true);
  }
  const column = <V>(f: (row: ShardRow) => V) => rows.map(f);
  const classColumn = (f: (h: SliceHistogram) => number[]) =>
    rows.flatMap((r) => (r.result.classHistograms ?? []).flatMap(f));
  const fineColumn = (f: (h: FineConfidenceHistogram) => number[]) =>
    rows.flatMap((r) => (r.result.confidenceHistogram ? f(r.result.confidenceHistogram) : []));
  const fineLengths = column((r) => r.result.confidenceHistogram?.bins ?? 0);
  const fineOffsets = fineLengths.map((_, i) => fineLengths.slice(0, i).reduce((a, b) => a + b, 0));
  const cut = (v: Prisma.Sql) => Prisma.sql`${v}[u.fo + 1 : u.fo + u.fl]`;
  const sql = Prisma.sql`
    INSERT INTO "ImageMetric" ("predictionId", "evaluationId", nll, brier, entropy, mi, pixels, "binCounts", "binConfidenceSum", "binCorrect",
      "classBinCounts", "classBinProbabilitySum", "classBinHits",
      "fineBinIndex", "fineBinCounts", "fineBinConfidenceSum", "fineBinCorrect", "fineBinMin", "fineBinMax", "lvExposed", "rvLvContact", "metricVersion")
    SELECT u.id, ${evaluationId}::uuid, u.nll, u.brier, u.entropy, u.mi, u.pixels,
      c.v[(u.i - 1) * ${bins}::int + 1 : u.i * ${bins}::int], s.v[(u.i - 1) * ${bins}::int + 1 : u.i * ${bins}::int], k.v[(u.i - 1) * ${bins}::int + 1 : u.i * ${bins}::int],
      CASE WHEN ${classCells}::int > 0 THEN cc.v[(u.i - 1) * ${classCells}::int + 1 : u.i * ${classCells}::int] END,
      CASE WHEN ${classCells}::int > 0 THEN cp.v[(u.i - 1) * ${classCells}::int + 1 : u.i * ${classCells}::int] END,
      CASE WHEN ${classCells}::int > 0 THEN ch.v[(u.i - 1) * ${classCells}::int + 1 : u.i * ${classCells}::int] END,
      CASE WHEN ${fine}::bool THEN ${cut(Prisma.sql`fi.v`)} END, CASE WHEN ${fine}::bool THEN ${cut(Prisma.sql`fc.v`)} END,
      CASE WHEN ${fine}::bool THEN ${cut(Prisma.sql`fs.v`)} END, CASE WHEN ${fine}::bool THEN ${cut(Prisma.sql`fk.v`)} END,
      CASE WHEN ${fine}::bool THEN ${cut(Prisma.sql`fmin.v`)} END, CASE WHEN ${fine}::bool THEN ${cut(Prisma.sql`fmax.v`)} END,
      u.lx, u.rl, ${METRIC_VERSION}::int
    FROM unnest(${predictions.map((p) => p.id)}::uuid[], ${floats(column((r) => r.result.nll))}::text[]::float8[], ${floats(column((r) => r.result.brier))}::text[]::float8[],
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
      (SELECT ${floats(fineColumn((h) => h.max))}::text[]::float8[] AS v) fmax
    WHERE NOT (SELECT v FROM done)`;
  // As Prisma reads the row back: a null list as [].
  const stored = rows.map(({ result: r }, i) => {
    const classes = r.classHistograms ?? [];
    const f = fine ? r.confidenceHistogram! : null;
    return {
      predictionId: predictions[i].id,
      evaluationId,
      nll: r.nll,
      brier: r.brier,
      entropy: r.entropy,
      mi: r.mi,
      pixels: r.meanLabels.length,
      binCounts: r.histogram.count,
      binConfidenceSum: r.histogram.sumConfidence,
      binCorrect: r.histogram.sumCorrect,
      metricVersion: METRIC_VERSION,
      classBinCounts: classCells > 0 ? classes.flatMap((h) => h.count) : [],
      classBinProbabilitySum: classCells > 0 ? classes.flatMap((h) => h.sumConfidence) : [],
      classBinHits: classCells > 0 ? classes.flatMap((h) => h.sumCorrect) : [],
      fineBinIndex: f?.index ?? [],
      fineBinCounts: f?.count ?? [],
      fineBinConfidenceSum: f?.sumConfidence ?? [],
      fineBinCorrect: f?.sumCorrect ?? [],
      fineBinMin: f?.min ?? [],
      fineBinMax: f?.max ?? [],
      lvExposed: r.plausibility?.lvExposed ?? null,
      rvLvContact: r.plausibility?.rvLvContact ?? null,
    };
  });
  return { sql, stored };
}
