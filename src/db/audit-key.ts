/**
 * The audit key, kept outside the database (docs/operations.md "Integrity"): with
 * `CARDIAC_UQ_AUDIT_KEY` set, each audit event's link is HMAC-SHA-256 under that key instead of a
 * plain SHA-256, so whoever can write the database but does not hold the key cannot re-hash the
 * chain after an edit. Events record the key's id (not the key), so a verifier can tell a missing
 * or wrong key from a broken chain. Rotation: set the new key, keep the old ones in
 * `CARDIAC_UQ_AUDIT_OLD_KEYS` (comma-separated) for verification of the events they wrote.
 */
import crypto from 'node:crypto';

export const AUDIT_KEY_MIN_LENGTH = 16;

export class AuditKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditKeyError';
  }
}

export interface AuditKeys {
  /** The key new events are linked with; null: plain SHA-256 links. */
  current: { id: string; secret: Buffer } | null;
  /** Every key a verifier may meet, by id (the current one included). */
  byId: Map<string, Buffer>;
}

/** A short public name of a key: the first 16 hex digits of HMAC(key, fixed text). */
export function auditKeyId(secret: Buffer): string {
  return crypto.createHmac('sha256', secret).update('cardiac-uq audit key id').digest('hex').slice(0, 16);
}

function parseKey(text: string, variable: string): Buffer {
  if (text.length < AUDIT_KEY_MIN_LENGTH)
    throw new AuditKeyError(
      `${variable}: an audit key must be at least ${AUDIT_KEY_MIN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`,
    );
  return Buffer.from(text, 'utf8');
}

export function auditKeysFromEnv(env: NodeJS.ProcessEnv = process.env): AuditKeys {
  const byId = new Map<string, Buffer>();
  let current: AuditKeys['current'] = null;
  const text = env.CARDIAC_UQ_AUDIT_KEY?.trim();
  if (text) {
    const secret = parseKey(text, 'CARDIAC_UQ_AUDIT_KEY');
    current = { id: auditKeyId(secret), secret };
    byId.set(current.id, secret);
  }
  for (const old of (env.CARDIAC_UQ_AUDIT_OLD_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)) {
    const secret = parseKey(old, 'CARDIAC_UQ_AUDIT_OLD_KEYS');
    byId.set(auditKeyId(secret), secret);
  }
  return { current, byId };
}
