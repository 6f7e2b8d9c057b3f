/**
 * An auditor's lineage of one stored segmentation (docs/design.md "GraphQL API", `lineage`): the
 * slice and its content hash → the dataset; the evaluation and its shard → the checkpoints (weights
 * SHA-256) → the training run with its configuration, seed, code version, backend, actor and times;
 * and, for every link, whether it verifies.
 *
 * A link verifies when the audit event that recorded it is intact (its own hash, its key and its
 * link to the event before it: `verifyAuditEvents`, not the whole chain, which `auditVerification`
 * and `audit verify` re-hash) and the stored rows still agree with it: the result digest the event
 * records is recomputed (the dataset, the prediction's shard, each checkpoint: src/db/result-digest.ts)
 * and the fields it names are compared (checkpoints of the evaluation, configuration, seed and actor
 * of a run). The slice's content hash is recomputed from its stored bytes. Only these few events are
 * read, so the cost is the digests: one pass over the dataset's slice rows (images hashed by
 * Postgres), one shard, the checkpoints.
 */
import type { Store } from '../db/client';
import { canonicalJson, verifyAuditEvents, type BreakReason } from '../db/audit';
import { checkpointDigest, datasetDigest, digestRecordOf, shardDigest } from '../db/result-digest';
import type { Evaluation, Run } from '../db/generated/client';
import { sliceContentHash, sliceFromRow } from './slice-codec';

/**
 * VERIFIED: the event is intact and the rows agree with it. MISMATCH: the rows no longer give what
 * the event records (or the slice's bytes their hash). UNRECORDED: no audit event records it (rows
 * written around the platform). UNCHECKABLE: recorded before digests were, or nothing to recompute
 * from. BROKEN: the recording event itself fails verification (`reason` says how).
 */
export type LinkStatus = 'VERIFIED' | 'MISMATCH' | 'UNRECORDED' | 'UNCHECKABLE' | 'BROKEN';

export interface LineageLink {
  /** What the link ties: e.g. "slice → dataset". */
  name: string;
  /** The stored id the link starts from and the one it ends at. */
  from: string;
  to: string;
  status: LinkStatus;
  detail: string;
  /** The audit event that records it. */
  auditSeq: string | null;
  reason: BreakReason | null;
}

export interface LineageRun {
  id: string;
  kind: string;
  method: string | null;
  config: unknown;
  seed: number | null;
  codeVersion: string;
  backend: string | null;
  actor: string;
  status: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Lineage {
  predictionId: string;
  evaluation: Evaluation;
  shard: number;
  createdAt: Date;
  slice: { id: string; contentHash: string; subject: string; phase: string; sliceIndex: number; position: number };
  dataset: { id: string; name: string; site: string | null; source: string; contentHash: string; createdAt: Date };
  checkpoints: Array<{
    id: string;
    member: number;
    epoch: number;
    weightsSha256: string;
    backend: string;
    createdAt: Date;
  }>;
  training: LineageRun;
  evaluationRun: LineageRun;
  links: LineageLink[];
  /** What was verified, in words. */
  scope: string;
}

const runOf = (r: Run): LineageRun => ({
  id: r.id,
  kind: r.kind,
  method: r.method,
  config: r.config,
  seed: r.seed,
  codeVersion: r.codeVersion,
  backend: r.backend,
  actor: r.createdBy,
  status: r.status,
  createdAt: r.createdAt,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
});

type Event = { seq: bigint; action: string; actor: string; entityId: string | null; details: string };
/** What a check found wrong, or null when the rows agree with the event. */
type Finding = { status: 'MISMATCH' | 'UNCHECKABLE'; detail: string } | null;

export async function readLineage(store: Store, predictionId: string): Promise<Lineage | null> {
  const p = await store.prediction.findUnique({
    where: { id: predictionId },
    select: {
      id: true,
      shard: true,
      createdAt: true,
      evaluation: { include: { run: true, checkpoints: { select: { checkpoint: { omit: { weights: true } } } } } },
      slice: {
        select: {
          id: true,
          contentHash: true,
          phase: true,
          sliceIndex: true,
          position: true,
          rows: true,
          cols: true,
          spacingXMm: true,
          spacingYMm: true,
          image: true,
          label: true,
          subject: { select: { externalId: true, dataset: true } },
        },
      },
    },
  });
  if (!p) return null;
  const e = p.evaluation;
  const dataset = p.slice.subject.dataset;
  const checkpoints = e.checkpoints.map((c) => c.checkpoint).sort((a, b) => a.member - b.member);
  const training = await store.run.findUniqueOrThrow({ where: { id: e.trainingRunId } });

  // The events that name this segmentation's dataset, evaluation, checkpoints and runs.
  const events: Event[] = await store.auditEvent.findMany({
    where: {
      OR: [
        { entity: 'Dataset', entityId: dataset.id, action: 'dataset.created' },
        { entity: 'Evaluation', entityId: e.id, action: { in: ['evaluation.created', 'evaluation.shard.stored'] } },
        { entity: 'Checkpoint', entityId: { in: checkpoints.map((c) => c.id) }, action: 'checkpoint.stored' },
        { entity: 'Run', entityId: { in: [training.id, e.run.id] }, action: 'run.created' },
      ],
    },
    orderBy: { seq: 'asc' },
    select: { seq: true, action: true, actor: true, entityId: true, details: true },
  });
  const checks = new Map(
    (
      await verifyAuditEvents(
        store,
        events.map((x) => x.seq),
      )
    ).map((c) => [c.seq, c.reason]),
  );
  const details = (x: Event) => JSON.parse(x.details) as Record<string, unknown>;
  const find = (action: string, entityId: string, also: (d: Record<string, unknown>) => boolean = () => true) =>
    events.find((x) => x.action === action && x.entityId === entityId && also(details(x)));

  /** The link as its event and the rows say: `check` compares them once the event is intact. */
  async function link(
    name: string,
    from: string,
    to: string,
    event: Event | undefined,
    check: (event: Event) => Promise<Finding>,
    what: string,
  ): Promise<LineageLink> {
    const base = { name, from, to, auditSeq: event ? event.seq.toString() : null, reason: null };
    if (!event) return { ...base, status: 'UNRECORDED', detail: `no audit event records ${what}` };
    const reason = checks.get(event.seq) ?? null;
    if (reason)
      return { ...base, reason, status: 'BROKEN', detail: `audit event ${event.seq} does not verify: ${reason}` };
    return {
      ...base,
      ...((await check(event)) ?? { status: 'VERIFIED', detail: `as audit event ${event.seq} records` }),
    };
  }
  const mismatch = (detail: string): Finding => ({ status: 'MISMATCH', detail });
  /** The digest the event records against the rows' digest now. */
  const digest = async (event: Event, now: () => Promise<string>): Promise<Finding> => {
    const recorded = digestRecordOf(event);
    if (!recorded?.digest)
      return { status: 'UNCHECKABLE', detail: `audit event ${event.seq} was recorded before result digests` };
    return (await now()) === recorded.digest
      ? null
      : mismatch('the stored rows no longer give the digest the event records');
  };
  const runAgrees =
    (run: Run) =>
    async (event: Event): Promise<Finding> => {
      const d = details(event);
      if (canonicalJson(d.config ?? null) !== canonicalJson(run.config))
        return mismatch('the configuration differs from the one recorded');
      if ((d.seed ?? null) !== run.seed) return mismatch(`seed ${run.seed} but ${String(d.seed)} recorded`);
      if (event.actor !== run.createdBy) return mismatch(`actor ${run.createdBy} but ${event.actor} recorded`);
      return null;
    };

  const links: LineageLink[] = [];
  const s = p.slice;
  const recomputed = s.label === null ? null : sliceContentHash(sliceFromRow(s));
  links.push({
    name: 'slice → content hash',
    from: s.id,
    to: s.contentHash,
    auditSeq: null,
    reason: null,
    ...(recomputed === null
      ? { status: 'UNCHECKABLE', detail: 'the slice has no ground-truth label; its hash covers image and label' }
      : recomputed === s.contentHash
        ? { status: 'VERIFIED', detail: 'recomputed from the stored image and label' }
        : { status: 'MISMATCH', detail: `the stored bytes hash to ${recomputed}` }),
  });
  const created = find('dataset.created', dataset.id);
  links.push(
    await link(
      'slice → dataset',
      s.id,
      dataset.id,
      created,
      async (event) =>
        details(event).contentHash !== dataset.contentHash
          ? mismatch('the content hash differs from the one recorded')
          : digest(event, () => datasetDigest(store, dataset.id)),
      'the dataset',
    ),
  );
  const shard = find(
    'evaluation.shard.stored',
    e.id,
    (d) => d.shard === p.shard && Array.isArray(d.predictions) && d.predictions.includes(p.id),
  );
  links.push(
    await link(
      'segmentation → evaluation shard',
      p.id,
      `${e.id} shard ${p.shard}`,
      shard,
      (event) => digest(event, () => shardDigest(store, e.id, p.shard)),
      'the shard',
    ),
  );
  links.push(
    await link(
      'evaluation → checkpoints',
      e.id,
      checkpoints.map((c) => c.id).join(', '),
      find('evaluation.created', e.id),
      async (event) => {
        const recorded = details(event).checkpoints;
        const ids = checkpoints.map((c) => c.id).sort();
        return Array.isArray(recorded) && canonicalJson([...recorded].sort()) === canonicalJson(ids)
          ? null
          : mismatch('the evaluation uses other checkpoints than recorded');
      },
      'the evaluation',
    ),
  );
  for (const c of checkpoints) {
    links.push(
      await link(
        `checkpoint ${c.member} (SHA-256) → training run`,
        c.id,
        training.id,
        find('checkpoint.stored', c.id),
        async (event) => {
          const d = details(event);
          // The digest covers both as well; named here so a mismatch says which.
          if ('weightsSha256' in d && d.weightsSha256 !== c.weightsSha256)
            return mismatch('the weights SHA-256 differs from the one recorded');
          if ('runId' in d && d.runId !== c.runId) return mismatch('recorded for another training run');
          return digest(event, () => checkpointDigest(store, c.id));
        },
        'the checkpoint',
      ),
    );
  }
  links.push(
    await link(
      'training run → configuration, seed, actor',
      training.id,
      training.id,
      find('run.created', training.id),
      runAgrees(training),
      'the training run',
    ),
    await link(
      'evaluation run → configuration, seed, actor',
      e.run.id,
      e.run.id,
      find('run.created', e.run.id),
      runAgrees(e.run),
      'the evaluation run',
    ),
  );

  return {
    predictionId: p.id,
    evaluation: e,
    shard: p.shard,
    createdAt: p.createdAt,
    slice: {
      id: s.id,
      contentHash: s.contentHash,
      subject: s.subject.externalId,
      phase: s.phase,
      sliceIndex: s.sliceIndex,
      position: s.position,
    },
    dataset: {
      id: dataset.id,
      name: dataset.name,
      site: dataset.site,
      source: dataset.source,
      contentHash: dataset.contentHash,
      createdAt: dataset.createdAt,
    },
    checkpoints: checkpoints.map((c) => ({
      id: c.id,
      member: c.member,
      epoch: c.epoch,
      weightsSha256: c.weightsSha256,
      backend: c.backend,
      createdAt: c.createdAt,
    })),
    training: runOf(training),
    evaluationRun: runOf(e.run),
    links,
    scope: `${events.length} audit events that record these links, each checked on its own (hash, key, link to the event before it); the whole chain is auditVerification's`,
  };
}
