/**
 * Tamper-evident audit log: every event stores the hash of the previous one, and its own hash
 * over (previous hash, time, actor, action, entity, id, details) in canonical JSON. Details are
 * stored as canonical JSON text, not jsonb: Prisma's Json path rounds doubles to 15 digits. Editing or
 * deleting any event breaks the chain at that point, which `verifyAuditChain` reports.
 *
 * Appends serialise on a transaction-scoped advisory lock, so concurrent writers (API and any
 * number of workers) extend one chain; call `appendAudit` inside the transaction that writes the
 * audited change, so the event exists exactly when the change does.
 */
import crypto from 'node:crypto';
import type { Store } from './client';

const AUDIT_LOCK = 0x63617564; // 'caud'
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

/** JSON with object keys sorted at every depth, so a hash never depends on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** `details` is the stored canonical JSON text: hashed as text, so no JSON round trip can alter it. */
export function eventHash(event: { prevHash: string; at: Date; actor: string; action: string; entity: string; entityId: string | null; details: string }): string {
  const body = canonicalJson({
    prevHash: event.prevHash,
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    entity: event.entity,
    entityId: event.entityId,
    details: event.details,
  });
  return crypto.createHash('sha256').update(body).digest('hex');
}

export async function appendAudit(tx: Tx, input: AuditInput): Promise<string> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { hash: true } });
  const prevHash = last?.hash ?? GENESIS_HASH;
  // Millisecond precision: what Postgres timestamp(3) stores is what we hash.
  const at = new Date(Math.floor(Date.now()));
  const details = canonicalJson(input.details ?? {});
  const entityId = input.entityId ?? null;
  const hash = eventHash({ prevHash, at, actor: input.actor, action: input.action, entity: input.entity, entityId, details });
  await tx.auditEvent.create({
    data: { at, actor: input.actor, action: input.action, entity: input.entity, entityId, details, prevHash, hash },
  });
  return hash;
}

/** Appends in a transaction of its own (for events with no other write to join). */
export function audit(store: Store, input: AuditInput): Promise<string> {
  return store.$transaction((tx) => appendAudit(tx, input));
}

export interface AuditVerification {
  ok: boolean;
  events: number;
  /** The first event whose stored hash or link does not match, and why. */
  firstBroken: { seq: bigint; reason: 'HASH_MISMATCH' | 'BROKEN_LINK' } | null;
}

export async function verifyAuditChain(client: Client, batchSize = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let events = 0;
  let after: bigint | undefined;
  for (;;) {
    const rows = await client.auditEvent.findMany({
      where: after === undefined ? {} : { seq: { gt: after } },
      orderBy: { seq: 'asc' },
      take: batchSize,
    });
    for (const row of rows) {
      events++;
      if (row.prevHash !== prevHash) return { ok: false, events, firstBroken: { seq: row.seq, reason: 'BROKEN_LINK' } };
      if (eventHash(row) !== row.hash) return { ok: false, events, firstBroken: { seq: row.seq, reason: 'HASH_MISMATCH' } };
      prevHash = row.hash;
    }
    if (rows.length < batchSize) return { ok: true, events, firstBroken: null };
    after = rows[rows.length - 1].seq;
  }
}
