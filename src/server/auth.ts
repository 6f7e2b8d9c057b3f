/**
 * API keys and roles.
 *
 * A key is `cuq_<prefix>_<secret>`: 8 random hex characters that identify it in listings and
 * logs, and 32 random bytes (base64url) that are its secret. It is shown once, when created; the
 * store keeps only its SHA-256 (`keyHash`, unique, so the lookup is one indexed equality on the
 * hash, never on the secret) and the prefix. Keys never appear in logs or errors: a bad key is
 * answered with "invalid or revoked API key", nothing echoed.
 *
 * Roles are ordered: ANALYST (read everything) < OPERATOR (start and cancel work, import data)
 * < ADMIN (keys). Mutations carry `@Authorized('OPERATOR')` (type-graphql), checked by
 * `authChecker` against the caller's role.
 *
 * Who may call at all (`AuthGate`): bound to loopback with no active key in the store, every
 * local caller is an ADMIN acting as the configured actor (single-user mode, said at start); as
 * soon as one active key exists, or when bound to any other address, every request needs
 * `Authorization: Bearer <key>` and the actor recorded on runs and audit events is the key's name.
 * `assertSafeBinding` refuses to start on a non-loopback address without keys.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import { appendAudit, audit } from '../db/audit';
import type { Store } from '../db/client';

export const ROLES = ['ANALYST', 'OPERATOR', 'ADMIN'] as const;
export type ApiRole = (typeof ROLES)[number];

export function roleRank(role: ApiRole): number {
  return ROLES.indexOf(role);
}

/** Who is calling: the key's name and role, or the local actor in single-user mode. */
export interface Principal {
  actor: string;
  role: ApiRole;
  /** The key's name; null in single-user mode. */
  keyName: string | null;
}

const KEY_PATTERN = /^cuq_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateKey(): { key: string; prefix: string; keyHash: string } {
  const prefix = crypto.randomBytes(4).toString('hex');
  const key = `cuq_${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
  return { key, prefix, keyHash: hashKey(key) };
}

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

export function parseRole(value: string): ApiRole {
  const role = value.toUpperCase();
  if (!(ROLES as readonly string[]).includes(role)) throw new KeyError(`unknown role "${value}" (analyst, operator or admin)`);
  return role as ApiRole;
}

/** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
export async function createApiKey(store: Store, input: { name: string; role: ApiRole; actor: string }) {
  if (!NAME_PATTERN.test(input.name)) {
    throw new KeyError('a key name is 1-64 characters: letters, digits and . _ @ - (starting with a letter or digit)');
  }
  if (await store.apiKey.findUnique({ where: { name: input.name }, select: { id: true } })) {
    throw new KeyError(`a key named ${input.name} exists (revoke it, or choose another name)`);
  }
  const { key, prefix, keyHash } = generateKey();
  const record = await store.$transaction(async (tx) => {
    const created = await tx.apiKey.create({ data: { name: input.name, role: input.role, prefix, keyHash } });
    await appendAudit(tx, { actor: input.actor, action: 'apikey.created', entity: 'ApiKey', entityId: created.id, details: { name: input.name, role: input.role, prefix } });
    return created;
  });
  return { key, record };
}

export async function listApiKeys(store: Store) {
  return store.apiKey.findMany({
    orderBy: { createdAt: 'asc' },
    select: { id: true, name: true, prefix: true, role: true, createdAt: true, revokedAt: true, lastUsed: true },
  });
}

export async function revokeApiKey(store: Store, name: string, actor: string) {
  const key = await store.apiKey.findUnique({ where: { name } });
  if (!key) throw new KeyError(`no key named ${name}`);
  if (key.revokedAt) return key;
  const revoked = await store.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
  await audit(store, { actor, action: 'apikey.revoked', entity: 'ApiKey', entityId: key.id, details: { name, prefix: key.prefix } });
  return revoked;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./i.test(h);
  return false;
}

export class UnsafeBindingError extends Error {
  constructor(host: string) {
    super(
      `refusing to listen on ${host} without API keys: anyone who can reach it would be an admin. ` +
        'Create a key first (`cardiac-uq keys create --name NAME --role admin`), or listen on 127.0.0.1',
    );
    this.name = 'UnsafeBindingError';
  }
}

export async function activeKeyCount(store: Store): Promise<number> {
  return store.apiKey.count({ where: { revokedAt: null } });
}

/** At start: a non-loopback binding needs keys. Returns a line for the start-up log. */
export async function assertSafeBinding(store: Store, host: string): Promise<string> {
  const keys = await activeKeyCount(store);
  if (keys > 0) return `API keys required (${keys} active); roles analyst, operator, admin`;
  if (!isLoopback(host)) throw new UnsafeBindingError(host);
  return `no API keys configured: listening on loopback (${host}) only, and every local caller is admin; ` +
    'create one with `cardiac-uq keys create` to require keys';
}

function unauthenticated(res: Response, message: string): void {
  res.status(401).set('WWW-Authenticate', 'Bearer').json({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
}

/**
 * Authenticates every request before GraphQL sees it and puts the Principal on `res.locals`.
 * Key lookups and the "are there keys at all" answer are cached briefly (a revocation takes
 * effect within `cacheMs`); `lastUsed` is written at most once a minute per key.
 */
export class AuthGate {
  private keyCount: { value: number; at: number } | undefined;
  private readonly keys = new Map<string, { principal: Principal | null; id?: string; at: number }>();
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly options: { host: string; localActor: string; cacheMs?: number },
  ) {}

  private get cacheMs() {
    return this.options.cacheMs ?? 2000;
  }

  /** Whether a request without a key is refused. */
  async keysRequired(): Promise<boolean> {
    if (!isLoopback(this.options.host)) return true;
    const now = Date.now();
    if (!this.keyCount || now - this.keyCount.at > this.cacheMs) this.keyCount = { value: await activeKeyCount(this.store), at: now };
    return this.keyCount.value > 0;
  }

  async principalOfKey(key: string): Promise<Principal | null> {
    if (!KEY_PATTERN.test(key)) return null;
    const keyHash = hashKey(key);
    const now = Date.now();
    const cached = this.keys.get(keyHash);
    if (cached && now - cached.at <= this.cacheMs) {
      if (cached.id) this.touch(cached.id, now);
      return cached.principal;
    }
    const row = await this.store.apiKey.findUnique({ where: { keyHash }, select: { id: true, name: true, role: true, revokedAt: true } });
    const principal = row && !row.revokedAt ? { actor: row.name, role: row.role as ApiRole, keyName: row.name } : null;
    if (this.keys.size > 10000) this.keys.clear();
    this.keys.set(keyHash, { principal, id: row?.id, at: now });
    if (principal && row) this.touch(row.id, now);
    return principal;
  }

  private touch(id: string, now: number): void {
    if (now - (this.lastUsedWritten.get(id) ?? 0) < 60000) return;
    this.lastUsedWritten.set(id, now);
    this.store.apiKey.update({ where: { id }, data: { lastUsed: new Date(now) } }).catch(() => {});
  }

  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      this.authenticate(req)
        .then((result) => {
          if (typeof result === 'string') return unauthenticated(res, result);
          res.locals.principal = result;
          next();
        })
        .catch(next);
    };
  }

  private async authenticate(req: Request): Promise<Principal | string> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) return 'the Authorization header must be "Bearer <API key>"';
      return (await this.principalOfKey(match[1])) ?? 'invalid or revoked API key';
    }
    if (await this.keysRequired()) return 'an API key is required: send "Authorization: Bearer <API key>"';
    return { actor: this.options.localActor, role: 'ADMIN', keyName: null };
  }
}

/** The Principal the gate put on the response (single-user admin when no gate ran). */
export function principalOf(res: Response | undefined, localActor: string): Principal {
  return (res?.locals.principal as Principal | undefined) ?? { actor: localActor, role: 'ADMIN', keyName: null };
}

/**
 * Audit details as `role` may read them: a key's prefix identifies it in logs and listings, so
 * only admins (who list keys anyway) see it; others read "redacted" in apikey.* events. The hash
 * covers the stored text, so only an admin can re-hash such an event from what the API returns.
 */
export function auditDetailsFor(role: ApiRole, action: string, details: string): string {
  if (role === 'ADMIN' || !action.startsWith('apikey.')) return details;
  const parsed = JSON.parse(details) as Record<string, unknown>;
  if (!('prefix' in parsed)) return details;
  return JSON.stringify({ ...parsed, prefix: 'redacted' });
}

/** type-graphql's check for `@Authorized(role)`: the caller's role must reach the lowest role named. */
export const authChecker: AuthChecker<{ role: ApiRole }, ApiRole> = ({ context }, roles) => {
  const needed = roles.length ? roles.reduce((a, b) => (roleRank(a) <= roleRank(b) ? a : b)) : 'ANALYST';
  if (roleRank(context.role) >= roleRank(needed)) return true;
  throw new GraphQLError(`this needs the ${needed.toLowerCase()} role (your key has ${context.role.toLowerCase()})`, {
    extensions: { code: 'FORBIDDEN', requiredRole: needed },
  });
};

/**
 * Default deny for writes: every mutation needs at least the operator role, including one added
 * later without an `@Authorized` decorator (which can only raise the bar, e.g. to admin).
 */
export const mutationsNeedOperator: ApolloServerPlugin<{ role: ApiRole }> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        if (operation?.operation === 'mutation' && roleRank(contextValue.role) < roleRank('OPERATOR')) {
          throw new GraphQLError(`mutations need the operator role (your key has ${contextValue.role.toLowerCase()})`, {
            extensions: { code: 'FORBIDDEN', requiredRole: 'OPERATOR', http: { status: 403 } },
          });
        }
      },
    };
  },
};
