/**
 * Tamper-evident audit log (docs/operations.md "Integrity"): every event stores the hash of the
 * previous one, and its own link over (previous hash, time, actor, action, entity, id, details,
 * key id) in canonical JSON: a plain SHA-256, or with `CARDIAC_UQ_AUDIT_KEY` an HMAC-SHA-256 under
 * a key kept outside the database (./audit-key.ts), which a database superuser cannot recompute.
 * Details are stored as canonical JSON text, not jsonb: Prisma's Json path rounds doubles to 15
 * digits. The events that write results carry a digest of the rows written (./result-digest.ts),
 * so verification covers the stored results too, not only the log.
 *
 * Appends serialise on a transaction-scoped advisory lock, so concurrent writers (API and any
 * number of workers) extend one chain; call `appendAudit` inside the transaction that writes the
 * audited change, so the event exists exactly when the change does.
 */
import crypto from 'node:crypto';
import type { Store } from './client';
import { canonicalJson } from './canonical-json';
import { AuditKeyError, auditKeysFromEnv } from './audit-key';
import type { AuditKeys } from './audit-key';
import { digestRecordOf, verifyResults } from './result-digest';
import type { DigestRecord, ResultVerification } from './result-digest';

export { canonicalJson };

/** The transaction-scoped advisory lock appends serialise on. */
export const AUDIT_LOCK = 0x63617564; // 'caud'
export const GENESIS_HASH = '0'.repeat(64);

type Tx = Parameters<Parameters<Store['$transaction']>[0]>[0];
type Client = Store | Tx;

export interface AuditInput {
  actor: string;
  action: string;
  entity: string;
  entityId?: string | null;
  details?: Record<string, unknown>;
}

interface HashedFields {
  prevHash: string;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  details: string;
  keyId: string | null;
}

/**
 * `details` is the stored canonical JSON text: hashed as text, so no JSON round trip can alter it.
 * Unkeyed events hash exactly as before keys existed (no keyId field), so old chains still verify.
 */
export function eventHash(event: HashedFields, secret?: Buffer): string {
  const body = canonicalJson({
    prevHash: event.prevHash,
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    entity: event.entity,
    entityId: event.entityId,
    details: event.details,
    ...(event.keyId ? { keyId: event.keyId } : {}),
  });
  return (secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256')).update(body).digest('hex');
}

/** The row an append stores after `last` (the chain's newest event, null for the first). */
export interface PreparedAuditEvent extends HashedFields {
  hash: string;
}

/**
 * The next event after `last`, linked and hashed; the caller holds the audit lock (`AUDIT_LOCK`,
 * taken in a statement before the one that read `last`) until the event is committed.
 */
export function prepareAuditEvent(
  last: { hash: string; keyId: string | null } | null,
  input: AuditInput,
  keys: AuditKeys = auditKeysFromEnv(),
): PreparedAuditEvent {
  // A process without the key must not extend a keyed chain with plain links (verify would flag them).
  if (last?.keyId && !keys.current) {
    throw new AuditKeyError(
      `the audit chain is HMAC-linked (key id ${last.keyId}) but CARDIAC_UQ_AUDIT_KEY is not set in this process`,
    );
  }
  const prevHash = last?.hash ?? GENESIS_HASH;
  // Millisecond precision: what Postgres timestamp(3) stores is what we hash.
  const at = new Date(Math.floor(Date.now()));
  const details = canonicalJson(input.details ?? {});
  const entityId = input.entityId ?? null;
  const keyId = keys.current?.id ?? null;
  const fields = {
    prevHash,
    at,
    actor: input.actor,
    action: input.action,
    entity: input.entity,
    entityId,
    details,
    keyId,
  };
  return { ...fields, hash: eventHash(fields, keys.current?.secret) };
}

export async function appendAudit(tx: Tx, input: AuditInput, keys: AuditKeys = auditKeysFromEnv()): Promise<string> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { hash: true, keyId: true } });
  const event = prepareAuditEvent(last, input, keys);
  await tx.auditEvent.create({ data: event });
  return event.hash;
}

/** Appends in a transaction of its own (for events with no other write to join). */
export function audit(store: Store, input: AuditInput): Promise<string> {
  return store.$transaction((tx) => appendAudit(tx, input));
}

/**
 * Why an event fails: HASH_MISMATCH its content (or its link under the key) does not match its
 * hash; BROKEN_LINK it does not link to the event before it; UNKEYED a plain link where the key is
 * required (after a keyed event, or a chain with no keyed event at all while a key is given);
 * KEY_MISSING / KEY_UNKNOWN it was linked with a key the verifier does not have (cannot tell);
 * RESULT_MISMATCH the stored result rows no longer give the digest it records.
 */
export type BreakReason =
  'HASH_MISMATCH' | 'BROKEN_LINK' | 'UNKEYED' | 'KEY_MISSING' | 'KEY_UNKNOWN' | 'RESULT_MISMATCH';

/** A head recorded earlier (`<seq>:<hash>` as verify prints it, or the hash alone). */
export interface KeptHead {
  hash: string;
  seq?: bigint;
}

/**
 * SAME: the chain still ends at the kept head. APPENDED: the kept head is an earlier event; the
 * events after it were appended since. REWRITTEN: an event at the kept position now has another
 * hash (the chain was rewritten at or before it). SHORTER: the chain now ends before the kept
 * position (events at the end were deleted, or the chain rewritten). NOT_FOUND: the hash is nowhere
 * in the chain and no position was kept (rewritten at or before it, or events at the end deleted).
 */
export interface HeadCheck {
  verdict: 'SAME' | 'APPENDED' | 'REWRITTEN' | 'SHORTER' | 'NOT_FOUND';
  /** Where the kept hash was found. */
  foundAt: bigint | null;
  /** Events after the kept head (APPENDED). */
  appended: number;
}

export interface AuditVerification {
  ok: boolean;
  /** Events checked (up to the first break). */
  events: number;
  /** The last event checked: the head when the chain is intact. */
  head: { seq: bigint; hash: string } | null;
  /** The first event of the keyed part of the chain; null when no event is keyed. */
  keyedFrom: bigint | null;
  /** The first event whose hash, link, key or recorded result digest does not match, and why. */
  firstBroken: { seq: bigint; reason: BreakReason; keyId?: string; digest?: DigestRecord } | null;
  keptHead?: HeadCheck;
  /** Absent when the chain is broken (its digests cannot be trusted) or results were not asked for. */
  results?: ResultVerification;
}

export interface VerifyOptions {
  /** Default: CARDIAC_UQ_AUDIT_KEY and CARDIAC_UQ_AUDIT_OLD_KEYS. */
  keys?: AuditKeys;
  head?: KeptHead;
  /** Also recompute the result digests the chain records (default true). */
  results?: boolean;
  batchSize?: number;
}

/** Parses `<seq>:<hash>` or `<hash>`; null when it is neither. */
export function parseKeptHead(text: string): KeptHead | null {
  const match = /^(?:(\d{1,19}):)?([0-9a-f]{64})$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  return { hash: match[2], ...(match[1] ? { seq: BigInt(match[1]) } : {}) };
}

type StoredEvent = HashedFields & { seq: bigint; hash: string };

/**
 * Why an event does not verify, or null when it does: its link to the hash before it, its key, and
 * its own hash. `keyedBefore`: the chain was already keyed before it (a plain link is UNKEYED then).
 */
function linkBreak(
  row: StoredEvent,
  prevHash: string,
  keyedBefore: boolean,
  keys: AuditKeys,
): { reason: BreakReason; keyId?: string } | null {
  if (row.prevHash !== prevHash) return { reason: 'BROKEN_LINK' };
  let secret: Buffer | undefined;
  if (row.keyId) {
    secret = keys.byId.get(row.keyId);
    if (!secret) return { reason: keys.byId.size ? 'KEY_UNKNOWN' : 'KEY_MISSING', keyId: row.keyId };
  } else if (keyedBefore) {
    return { reason: 'UNKEYED' };
  }
  return eventHash(row, secret) === row.hash ? null : { reason: 'HASH_MISMATCH' };
}

/** One event checked on its own: its hash, its key and its link to the event stored before it. */
export interface EventCheck {
  seq: bigint;
  /** null: it verifies. */
  reason: BreakReason | null;
}

/**
 * Checks only the given events (not the chain between them): each one's hash and key, and that it
 * links to the event stored just before it. For a reader that needs a few events verified at once
 * (a lineage) without re-hashing the whole chain; `verifyAuditChain` remains the full check. With a
 * key set, a plain event after the first keyed one, or in a chain with no keyed event, is UNKEYED.
 */
export async function verifyAuditEvents(
  client: Client,
  seqs: bigint[],
  keys: AuditKeys = auditKeysFromEnv(),
): Promise<EventCheck[]> {
  const firstKeyed = await client.auditEvent.findFirst({
    where: { keyId: { not: null } },
    orderBy: { seq: 'asc' },
    select: { seq: true },
  });
  const checks: EventCheck[] = [];
  for (const seq of [...new Set(seqs)]) {
    const row = await client.auditEvent.findUnique({ where: { seq } });
    if (!row) continue;
    // Sequence numbers may skip (a rolled-back append), so the predecessor is the nearest event below.
    const prev = await client.auditEvent.findFirst({
      where: { seq: { lt: seq } },
      orderBy: { seq: 'desc' },
      select: { hash: true },
    });
    const keyedBefore = firstKeyed !== null ? firstKeyed.seq < seq : keys.current !== null;
    checks.push({ seq, reason: linkBreak(row, prev?.hash ?? GENESIS_HASH, keyedBefore, keys)?.reason ?? null });
  }
  return checks;
}

/** Walks the chain page by page (never all of it in memory), then checks the results it records. */
export async function verifyAuditChain(client: Client, options: VerifyOptions = {}): Promise<AuditVerification> {
  const keys = options.keys ?? auditKeysFromEnv();
  const batchSize = options.batchSize ?? 5000;
  const kept = options.head;
  const records: DigestRecord[] = [];
  let prevHash = GENESIS_HASH;
  let events = 0;
  let head: AuditVerification['head'] = null;
  let keyedFrom: bigint | null = null;
  let foundAt: bigint | null = null;
  let appended = 0;
  let keptSeqSeen = false;
  let after: bigint | undefined;
  const finish = (firstBroken: AuditVerification['firstBroken']): AuditVerification => ({
    ok: false,
    events,
    head,
    keyedFrom,
    firstBroken,
  });
  for (;;) {
    const rows = await client.auditEvent.findMany({
      where: after === undefined ? {} : { seq: { gt: after } },
      orderBy: { seq: 'asc' },
      take: batchSize,
    });
    for (const row of rows) {
      events++;
      // Every event before this one verified, so the chain is keyed from here on iff keyedFrom is set.
      const broken = linkBreak(row, prevHash, keyedFrom !== null, keys);
      if (broken) return finish({ seq: row.seq, ...broken });
      if (row.keyId) keyedFrom ??= row.seq;
      prevHash = row.hash;
      head = { seq: row.seq, hash: row.hash };
      if (foundAt !== null) appended++;
      if (kept && row.hash === kept.hash) foundAt = row.seq;
      if (kept?.seq !== undefined && row.seq === kept.seq) keptSeqSeen = true;
      const record = options.results === false ? null : digestRecordOf(row);
      if (record) records.push(record);
    }
    if (rows.length < batchSize) break;
    after = rows[rows.length - 1].seq;
  }
  // With a key, events written since it was set are keyed; a chain with none was written (or rewritten) without it.
  if (keys.current && head && keyedFrom === null) {
    const first = await client.auditEvent.findFirst({ orderBy: { seq: 'asc' }, select: { seq: true } });
    return finish({ seq: first!.seq, reason: 'UNKEYED' });
  }
  let keptHead: HeadCheck | undefined;
  if (kept) {
    const verdict: HeadCheck['verdict'] =
      foundAt !== null
        ? appended === 0
          ? 'SAME'
          : 'APPENDED'
        : kept.seq === undefined
          ? 'NOT_FOUND'
          : keptSeqSeen || (head !== null && head.seq > kept.seq)
            ? 'REWRITTEN'
            : 'SHORTER';
    keptHead = { verdict, foundAt, appended };
  }
  const headOk = !keptHead || keptHead.verdict === 'SAME' || keptHead.verdict === 'APPENDED';
  if (options.results === false)
    return { ok: headOk, events, head, keyedFrom, firstBroken: null, ...(keptHead ? { keptHead } : {}) };
  const results = await verifyResults(client, records);
  const mismatch = results.firstMismatch;
  const digest = mismatch ? records.find((r) => r.seq === mismatch.seq) : undefined;
  return {
    ok: headOk && results.ok,
    events,
    head,
    keyedFrom,
    firstBroken: mismatch ? { seq: mismatch.seq, reason: 'RESULT_MISMATCH', digest } : null,
    ...(keptHead ? { keptHead } : {}),
    results,
  };
}
