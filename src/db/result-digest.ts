/**
 * Digests of stored results, recorded in the audit chain by the transaction that writes them and
 * recomputed by `audit verify` (docs/operations.md "Integrity"): so an edit of a result row made
 * behind the triggers' back (session_replication_role = replica, DISABLE TRIGGER) is found and
 * named, not only an edit of the audit log.
 *
 * A digest is SHA-256 over a canonical serialisation of the rows as stored, read back the same
 * way at write time (inside the writing transaction) and at verification, so both sides see the
 * same values by construction (the shard writer serialises the rows it writes instead, through the
 * same `digestShardRows`, having made sure they are stored as given; its test checks the two agree):
 * - an evaluation shard: the Evaluation row and its checkpoint links, then the shard's
 *   predictions by id, each with its structure metrics (by structure), image metrics (with the
 *   reliability, per-class and fine histograms) and samples (by index);
 * - a dataset: the Dataset row, its subjects by id, its slices by (subject, id) with image and label bytes;
 * - a checkpoint: the Checkpoint row (weights included) and the epoch history of its run and member;
 * - an inference shard: the Inference row and its checkpoint links, then the shard's slices by id,
 *   each with its structure rows;
 * - an evaluation's stored QC curves: the EvaluationCurve rows by (structure, measure).
 * Each value is written with a type tag and, for strings, bytes and lists, a length, so no two row
 * sets serialise alike: `n;` null, `t;`/`f;` booleans, `d<String(x)>;` numbers, `T<ISO time>;`,
 * `s<utf-8 length>:<text>`, `b<length>:<bytes>`, `h<SHA-256 hex>;` bulk bytes (slice images and
 * labels, checkpoint weights: hashed by Postgres, so a digest moves hashes, not the volumes),
 * `a<length>:` lists, `r<fields>:` rows; JSON columns as canonical JSON text.
 *
 * Extra rows count too: verify also looks for result rows no recorded digest covers (a shard
 * inserted without the platform, metric rows whose prediction is missing or of another evaluation).
 */
import crypto from 'node:crypto';
import type { Store } from './client';
import { canonicalJson } from './canonical-json';

type Tx = Parameters<Parameters<Store['$transaction']>[0]>[0];
type Client = Store | Tx;

export const DIGEST_VERSION = 1;

type DigestValue = null | undefined | boolean | number | string | Date | Uint8Array | DigestValue[];

/**
 * Text is gathered and hashed in one update per run of text (the same bytes as one update per
 * piece: every piece starts with an ASCII tag, so UTF-8 encoding never joins two pieces' characters).
 */
class DigestWriter {
  private readonly hash = crypto.createHash('sha256');
  private text = '';

  constructor(domain: string) {
    this.value(`cardiac-uq ${domain} digest v${DIGEST_VERSION}`);
  }

  private flush(): void {
    if (this.text) this.hash.update(this.text, 'utf8');
    this.text = '';
  }

  value(v: DigestValue): this {
    if (v === null || v === undefined) this.text += 'n;';
    else if (typeof v === 'boolean') this.text += v ? 't;' : 'f;';
    else if (typeof v === 'number') this.text += `d${String(v)};`;
    else if (typeof v === 'string') this.text += `s${Buffer.byteLength(v, 'utf8')}:${v}`;
    else if (v instanceof Date) this.text += `T${v.toISOString()};`;
    else if (v instanceof Uint8Array) {
      this.text += `b${v.length}:`;
      this.flush();
      this.hash.update(v);
    } else {
      this.text += `a${v.length}:`;
      for (const item of v) this.value(item);
    }
    return this;
  }

  /** Bulk bytes by their SHA-256 (hex, as Postgres's sha256() gives it; null stays null). */
  bytesHash(hex: string | null): this {
    this.text += hex === null ? 'n;' : `h${hex};`;
    return this;
  }

  row(values: DigestValue[]): this {
    this.text += `r${values.length}:`;
    for (const v of values) this.value(v);
    return this;
  }

  hex(): string {
    this.flush();
    return this.hash.digest('hex');
  }
}

const json = (v: unknown) => (v === null || v === undefined ? null : canonicalJson(v));

/** An evaluation as a shard digest covers it: its row and its checkpoint links (ids ascending). */
export interface DigestEvaluation {
  id: string;
  runId: string;
  trainingRunId: string;
  datasetId: string;
  split: string | null;
  distortionKind: string;
  distortionLevel: number;
  samples: number;
  storeSamples: boolean;
  calibrationBins: number;
  metricVersion: number;
  createdAt: Date;
  checkpoints: Array<{ checkpointId: string }>;
}

/**
 * A stored prediction with its metric rows, as Prisma reads them back (a null list reads as []):
 * structures by structure, samples by index. The shard writer builds the same objects from the
 * values it stores (src/store/write-shard.ts), so both sides serialise through `digestShardRows`.
 */
export interface DigestPrediction {
  id: string;
  evaluationId: string;
  sliceId: string;
  shard: number;
  labelMap: Uint8Array;
  entropyMap: Uint8Array | null;
  miMap: Uint8Array | null;
  createdAt: Date;
  structures: Array<{
    predictionId: string;
    evaluationId: string;
    structure: string;
    status: string;
    dice: number;
    assdMm: number | null;
    hdMm: number | null;
    hd95Mm: number | null;
    diceWithin: number | null;
    assdWithinMm: number | null;
    poor: boolean;
    metricVersion: number;
    pixels: number | null;
    samplePixels: number[];
    gtPixels: number | null;
    components: number | null;
    holes: number | null;
  }>;
  image: {
    predictionId: string;
    evaluationId: string;
    nll: number;
    brier: number;
    entropy: number;
    mi: number;
    pixels: number;
    binCounts: number[];
    binConfidenceSum: number[];
    binCorrect: number[];
    metricVersion: number;
    classBinCounts: number[];
    classBinProbabilitySum: number[];
    classBinHits: number[];
    fineBinIndex: number[];
    fineBinCounts: number[];
    fineBinConfidenceSum: number[];
    fineBinCorrect: number[];
    fineBinMin: number[];
    fineBinMax: number[];
    lvExposed: number | null;
    rvLvContact: number | null;
  } | null;
  samples: Array<{ predictionId: string; index: number; labelMap: Uint8Array }>;
}

/** Reads the shard back (inside the writing transaction, or at verification) and digests it. */
export async function shardDigest(client: Client, evaluationId: string, shard: number): Promise<string> {
  const e = await client.evaluation.findUnique({
    where: { id: evaluationId },
    include: { checkpoints: { select: { checkpointId: true }, orderBy: { checkpointId: 'asc' } } },
  });
  const predictions = await client.prediction.findMany({
    where: { evaluationId, shard },
    orderBy: { id: 'asc' },
    include: { structures: { orderBy: { structure: 'asc' } }, image: true, samples: { orderBy: { index: 'asc' } } },
  });
  return digestShardRows(e, predictions);
}

/** The shard digest of an evaluation row (null: missing) and its shard's predictions in id order. */
export function digestShardRows(e: DigestEvaluation | null, predictions: readonly DigestPrediction[]): string {
  const w = new DigestWriter('evaluation shard');
  w.row(
    e
      ? [
          e.id,
          e.runId,
          e.trainingRunId,
          e.datasetId,
          e.split,
          e.distortionKind,
          e.distortionLevel,
          e.samples,
          e.storeSamples,
          e.calibrationBins,
          e.metricVersion,
          e.createdAt,
          e.checkpoints.map((c) => c.checkpointId),
        ]
      : [null],
  );
  w.value(predictions.length);
  for (const p of predictions) {
    w.row([p.id, p.evaluationId, p.sliceId, p.shard, p.labelMap, p.entropyMap, p.miMap, p.createdAt]);
    w.value(p.structures.length);
    for (const s of p.structures) {
      w.row([
        s.predictionId,
        s.evaluationId,
        s.structure,
        s.status,
        s.dice,
        s.assdMm,
        s.hdMm,
        s.hd95Mm,
        s.diceWithin,
        s.assdWithinMm,
        s.poor,
        s.metricVersion,
        // Biomarker counts enter only where stored, so rows written before them hash as they did.
        ...(s.pixels === null ? [] : [s.pixels, s.samplePixels, s.gtPixels]),
        // Plausibility likewise (2 fields against the counts' 3, so the row's field count tells them apart).
        ...(s.components === null ? [] : [s.components, s.holes]),
      ]);
    }
    const m = p.image;
    w.row(
      m
        ? [
            m.predictionId,
            m.evaluationId,
            m.nll,
            m.brier,
            m.entropy,
            m.mi,
            m.pixels,
            m.binCounts,
            m.binConfidenceSum,
            m.binCorrect,
            m.metricVersion,
            // Class and fine histograms enter only where stored, so rows written before them hash as
            // they did (Prisma reads a null list as []; a stored one is never empty: a slice has pixels).
            ...(m.classBinCounts.length === 0 ? [] : [m.classBinCounts, m.classBinProbabilitySum, m.classBinHits]),
            ...(m.fineBinIndex.length === 0
              ? []
              : [
                  m.fineBinIndex,
                  m.fineBinCounts,
                  m.fineBinConfidenceSum,
                  m.fineBinCorrect,
                  m.fineBinMin,
                  m.fineBinMax,
                ]),
            // Plausibility (2 fields: with the 3 and 6 above every combination has its own count).
            ...(m.lvExposed === null ? [] : [m.lvExposed, m.rvLvContact]),
          ]
        : [null],
    );
    w.value(p.samples.length);
    for (const s of p.samples) w.row([s.predictionId, s.index, s.labelMap]);
  }
  return w.hex();
}

/**
 * An inference shard: the Inference row and its checkpoint links, then the shard's slices by id,
 * each with its structure rows (by structure); decisions as canonical JSON.
 */
export async function inferenceShardDigest(client: Client, inferenceId: string, shard: number): Promise<string> {
  const w = new DigestWriter('inference shard');
  const i = await client.inference.findUnique({
    where: { id: inferenceId },
    include: { checkpoints: { select: { checkpointId: true }, orderBy: { checkpointId: 'asc' } } },
  });
  w.row(
    i
      ? [
          i.id,
          i.runId,
          i.trainingRunId,
          i.datasetId,
          i.policyId,
          i.samples,
          i.createdAt,
          i.checkpoints.map((c) => c.checkpointId),
        ]
      : [null],
  );
  const slices = await client.inferenceSlice.findMany({
    where: { inferenceId, shard },
    orderBy: { id: 'asc' },
    include: { structures: { orderBy: { structure: 'asc' } } },
  });
  w.value(slices.length);
  for (const s of slices) {
    w.row([
      s.id,
      s.inferenceId,
      s.sliceId,
      s.shard,
      s.labelMap,
      s.entropyMap,
      s.miMap,
      s.entropy,
      s.mi,
      s.flagged,
      json(s.decisions),
      s.createdAt,
    ]);
    w.value(s.structures.length);
    for (const x of s.structures)
      w.row([x.inferenceSliceId, x.inferenceId, x.structure, x.diceWithin, x.assdWithinMm, x.pixels, x.samplePixels]);
  }
  return w.hex();
}

/** An evaluation's stored QC curves (EvaluationCurve), by structure and measure (the enums' order). */
export async function curvesDigest(client: Client, evaluationId: string): Promise<string> {
  const w = new DigestWriter('evaluation curves');
  const curves = await client.evaluationCurve.findMany({
    where: { evaluationId },
    orderBy: [{ structure: 'asc' }, { measure: 'asc' }],
  });
  w.value(curves.length);
  for (const c of curves)
    w.row([c.evaluationId, c.structure, c.measure, c.n, c.poor, c.auc, c.flagged, c.poorFlagged, c.createdAt]);
  return w.hex();
}

const SLICE_PAGE = 1000;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

interface SliceDigestRow {
  id: string;
  subjectId: string;
  phase: string;
  sliceIndex: number;
  sliceCount: number;
  position: number;
  spacingXMm: number;
  spacingYMm: number;
  rows: number;
  cols: number;
  image: string;
  label: string;
  contentHash: string;
}

export async function datasetDigest(client: Client, datasetId: string): Promise<string> {
  const w = new DigestWriter('dataset');
  const d = await client.dataset.findUnique({ where: { id: datasetId } });
  w.row(
    d
      ? [
          d.id,
          d.name,
          d.source,
          d.site,
          d.vendor,
          json(d.generatorParams),
          d.contentHash,
          d.createdBy,
          d.createdAt,
          d.createdByRunId,
        ]
      : [null],
  );
  const subjects = await client.subject.findMany({ where: { datasetId }, orderBy: { id: 'asc' } });
  w.value(subjects.length);
  for (const s of subjects)
    w.row([
      s.id,
      s.datasetId,
      s.externalId,
      s.group,
      s.split,
      ...(s.sliceSpacingMm === null ? [] : [s.sliceSpacingMm]),
    ]);
  // Keyset pages of slices with their image and label hashed in Postgres: a dataset's volumes
  // never cross the wire (reading them through Prisma took longer than writing them).
  let after = [NIL_UUID, NIL_UUID];
  for (;;) {
    const page = await client.$queryRaw<SliceDigestRow[]>`
      SELECT s.id::text, s."subjectId"::text, s.phase::text, s."sliceIndex", s."sliceCount", s.position, s."spacingXMm", s."spacingYMm", s.rows, s.cols,
             encode(sha256(s.image), 'hex') AS image, encode(sha256(s.label), 'hex') AS label, s."contentHash"
      FROM "Slice" s JOIN "Subject" j ON j.id = s."subjectId"
      WHERE j."datasetId" = ${datasetId}::uuid AND (s."subjectId", s.id) > (${after[0]}::uuid, ${after[1]}::uuid)
      ORDER BY s."subjectId", s.id
      LIMIT ${SLICE_PAGE}`;
    for (const s of page) {
      w.row([
        s.id,
        s.subjectId,
        s.phase,
        s.sliceIndex,
        s.sliceCount,
        s.position,
        s.spacingXMm,
        s.spacingYMm,
        s.rows,
        s.cols,
      ])
        .bytesHash(s.image)
        .bytesHash(s.label)
        .value(s.contentHash);
    }
    if (page.length < SLICE_PAGE) break;
    after = [page[page.length - 1].subjectId, page[page.length - 1].id];
  }
  w.value('end');
  return w.hex();
}

export async function checkpointDigest(client: Client, checkpointId: string): Promise<string> {
  const w = new DigestWriter('checkpoint');
  const c = await client.checkpoint.findUnique({ where: { id: checkpointId }, omit: { weights: true } });
  if (!c) return w.row([null]).hex();
  const [{ weights }] = await client.$queryRaw<Array<{ weights: string | null }>>`
    SELECT encode(sha256(weights), 'hex') AS weights FROM "Checkpoint" WHERE id = ${checkpointId}::uuid`;
  w.row([
    c.id,
    c.runId,
    c.member,
    c.epoch,
    c.valNll,
    c.weightsSha256,
    c.path,
    json(c.config),
    c.backend,
    json(c.layerStats),
    c.createdAt,
  ]).bytesHash(weights);
  const epochs = await client.trainingEpoch.findMany({
    where: { runId: c.runId, member: c.member },
    orderBy: { epoch: 'asc' },
  });
  w.value(epochs.length);
  for (const e of epochs) w.row([e.runId, e.member, e.epoch, e.trainLoss, e.valNll, e.seconds, e.createdAt]);
  return w.hex();
}

// ---- what the audit chain records, and checking it against the store ------------------------

export type DigestTarget =
  | { kind: 'shard'; evaluationId: string; shard: number }
  | { kind: 'dataset'; datasetId: string }
  | { kind: 'checkpoint'; checkpointId: string }
  | { kind: 'inferenceShard'; inferenceId: string; shard: number }
  | { kind: 'curves'; evaluationId: string };

export interface DigestRecord {
  /** The audit event that recorded it. */
  seq: bigint;
  target: DigestTarget;
  /** null: written before digests were recorded (not checkable). */
  digest: string | null;
}

/** The result digest an audit event records, if it is one of the result-writing events. */
export function digestRecordOf(event: {
  seq: bigint;
  action: string;
  entityId: string | null;
  details: string;
}): DigestRecord | null {
  if (!event.entityId) return null;
  const target: DigestTarget | null =
    event.action === 'evaluation.shard.stored'
      ? { kind: 'shard', evaluationId: event.entityId, shard: Number(JSON.parse(event.details).shard) }
      : event.action === 'dataset.created'
        ? { kind: 'dataset', datasetId: event.entityId }
        : event.action === 'checkpoint.stored'
          ? { kind: 'checkpoint', checkpointId: event.entityId }
          : event.action === 'inference.shard.stored'
            ? { kind: 'inferenceShard', inferenceId: event.entityId, shard: Number(JSON.parse(event.details).shard) }
            : event.action === 'evaluation.curves.stored'
              ? { kind: 'curves', evaluationId: event.entityId }
              : null;
  if (!target) return null;
  const digest = JSON.parse(event.details).digest;
  return { seq: event.seq, target, digest: typeof digest === 'string' ? digest : null };
}

export function describeTarget(target: DigestTarget): string {
  if (target.kind === 'shard') return `evaluation ${target.evaluationId} shard ${target.shard}`;
  if (target.kind === 'dataset') return `dataset ${target.datasetId}`;
  if (target.kind === 'inferenceShard') return `inference ${target.inferenceId} shard ${target.shard}`;
  if (target.kind === 'curves') return `evaluation ${target.evaluationId} QC curves`;
  return `checkpoint ${target.checkpointId}`;
}

function digestOf(client: Client, target: DigestTarget): Promise<string> {
  if (target.kind === 'shard') return shardDigest(client, target.evaluationId, target.shard);
  if (target.kind === 'dataset') return datasetDigest(client, target.datasetId);
  if (target.kind === 'inferenceShard') return inferenceShardDigest(client, target.inferenceId, target.shard);
  if (target.kind === 'curves') return curvesDigest(client, target.evaluationId);
  return checkpointDigest(client, target.checkpointId);
}

const targetKey = (t: DigestTarget) =>
  t.kind === 'shard'
    ? `shard ${t.evaluationId} ${t.shard}`
    : t.kind === 'dataset'
      ? `dataset ${t.datasetId}`
      : t.kind === 'inferenceShard'
        ? `inference ${t.inferenceId} ${t.shard}`
        : t.kind === 'curves'
          ? `curves ${t.evaluationId}`
          : `checkpoint ${t.checkpointId}`;

export interface ResultVerification {
  ok: boolean;
  checked: { shards: number; datasets: number; checkpoints: number; inferenceShards: number; curves: number };
  /** Results recorded before digests were (legacy events): in the chain, but their rows cannot be checked. */
  unverified: number;
  /** The first recorded digest (in chain order) that the stored rows no longer give. */
  firstMismatch: { seq: bigint; target: DigestTarget } | null;
  /** Result rows that no audit event records: inserted without the platform. */
  unrecorded: { what: string; count: number } | null;
}

/** Recomputes every recorded digest, in chain order, then looks for result rows none covers. */
export async function verifyResults(client: Client, records: DigestRecord[]): Promise<ResultVerification> {
  const checked = { shards: 0, datasets: 0, checkpoints: 0, inferenceShards: 0, curves: 0 };
  let unverified = 0;
  for (const record of records) {
    if (record.digest === null) {
      unverified++;
      continue;
    }
    if ((await digestOf(client, record.target)) !== record.digest) {
      return {
        ok: false,
        checked,
        unverified,
        firstMismatch: { seq: record.seq, target: record.target },
        unrecorded: null,
      };
    }
    checked[record.target.kind === 'curves' ? 'curves' : (`${record.target.kind}s` as keyof typeof checked)]++;
  }
  const unrecorded = await findUnrecorded(client, new Set(records.map((r) => targetKey(r.target))));
  return { ok: unrecorded === null, checked, unverified, firstMismatch: null, unrecorded };
}

async function findUnrecorded(client: Client, recorded: Set<string>): Promise<ResultVerification['unrecorded']> {
  const shards = await client.prediction.groupBy({
    by: ['evaluationId', 'shard'],
    orderBy: [{ evaluationId: 'asc' }, { shard: 'asc' }],
  });
  const loose: string[] = [];
  for (const s of shards)
    if (!recorded.has(targetKey({ kind: 'shard', ...s }))) loose.push(`evaluation ${s.evaluationId} shard ${s.shard}`);
  for (const { id } of await client.dataset.findMany({ select: { id: true }, orderBy: { id: 'asc' } })) {
    if (!recorded.has(targetKey({ kind: 'dataset', datasetId: id }))) loose.push(`dataset ${id}`);
  }
  for (const { id } of await client.checkpoint.findMany({ select: { id: true }, orderBy: { id: 'asc' } })) {
    if (!recorded.has(targetKey({ kind: 'checkpoint', checkpointId: id }))) loose.push(`checkpoint ${id}`);
  }
  const inferenceShards = await client.inferenceSlice.groupBy({
    by: ['inferenceId', 'shard'],
    orderBy: [{ inferenceId: 'asc' }, { shard: 'asc' }],
  });
  for (const s of inferenceShards)
    if (!recorded.has(targetKey({ kind: 'inferenceShard', ...s })))
      loose.push(`inference ${s.inferenceId} shard ${s.shard}`);
  const curved = await client.evaluationCurve.groupBy({ by: ['evaluationId'], orderBy: { evaluationId: 'asc' } });
  for (const { evaluationId } of curved)
    if (!recorded.has(targetKey({ kind: 'curves', evaluationId }))) loose.push(`evaluation ${evaluationId} QC curves`);
  if (loose.length) return { what: loose[0], count: loose.length };
  // Rows outside every shard: their prediction is missing, or belongs to another evaluation.
  const [orphans] = await client.$queryRaw<
    Array<{ structures: number; images: number; samples: number; inferenceStructures: number }>
  >`
    SELECT
      (SELECT count(*)::int FROM "StructureMetric" s LEFT JOIN "Prediction" p ON p.id = s."predictionId" WHERE p.id IS NULL OR p."evaluationId" <> s."evaluationId") AS structures,
      (SELECT count(*)::int FROM "ImageMetric" m LEFT JOIN "Prediction" p ON p.id = m."predictionId" WHERE p.id IS NULL OR p."evaluationId" <> m."evaluationId") AS images,
      (SELECT count(*)::int FROM "Sample" s LEFT JOIN "Prediction" p ON p.id = s."predictionId" WHERE p.id IS NULL) AS samples,
      (SELECT count(*)::int FROM "InferenceStructure" x LEFT JOIN "InferenceSlice" s ON s.id = x."inferenceSliceId" WHERE s.id IS NULL OR s."inferenceId" <> x."inferenceId") AS "inferenceStructures"`;
  for (const [table, count, owner] of [
    ['StructureMetric', orphans.structures, 'prediction of their evaluation'],
    ['ImageMetric', orphans.images, 'prediction of their evaluation'],
    ['Sample', orphans.samples, 'prediction of their evaluation'],
    ['InferenceStructure', orphans.inferenceStructures, 'slice of their inference'],
  ] as const) {
    if (count > 0) return { what: `${table} rows outside any stored ${owner}`, count };
  }
  return null;
}
