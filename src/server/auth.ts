/**
 * API keys and roles.
 *
 * A key is `cuq_<prefix>_<secret>`: 8 random hex characters that identify it in listings and
 * logs, and 32 random bytes (base64url) that are its secret. It is shown once, when created; the
 * store keeps only its SHA-256 (`keyHash`, unique, so the lookup is one indexed equality on the
 * hash, never on the secret) and the prefix. Keys never appear in logs or errors: a bad key is
 * answered with "invalid or revoked API key", nothing echoed.
 *
 * Roles are ordered: ANALYST (read everything) < REVIEWER (read everything, record review
 * decisions) < OPERATOR (start and cancel work, import data; may review too) < ADMIN (keys).
 * Mutations carry `@Authorized('OPERATOR')` (or `'REVIEWER'` for the review mutations)
 * (type-graphql), checked by `authChecker` against the caller's role.
 *
 * Who may call at all (`AuthGate`): in open mode (bound to loopback, no key ever made, or none
 * since an admin ran `cardiac-uq keys open-mode --confirm`) every local caller is an ADMIN acting
 * as the configured actor (single-user mode, said at start). Once a key exists the server is
 * closed: every request needs `Authorization: Bearer <key>` and the actor recorded on runs and
 * audit events is the key's name. Revoking the last key keeps it closed; only the audited
 * `access.open-mode` event reopens it. `assertSafeBinding` refuses to start on a non-loopback
 * address in open mode.
 *
 * Failed authentication is throttled per client address and audited in aggregate (./auth-failures.ts).
 *
 * Open mode trusts the caller's machine, not every page its browser shows: a request must name
 * the server by a loopback Host (a DNS-rebinding page names its own host), and a browser's Origin
 * must be the server's own loopback origin or one in CARDIAC_UQ_CORS_ORIGINS.
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import { appendAudit, audit } from '../db/audit';
import { ROLES } from '../domain/constants';
import type { Store } from '../db/client';
import { AuthFailures } from './auth-failures';

export { ROLES };
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
  if (!(ROLES as readonly string[]).includes(role))
    throw new KeyError(`unknown role "${value}" (analyst, reviewer, operator or admin)`);
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
    await appendAudit(tx, {
      actor: input.actor,
      action: 'apikey.created',
      entity: 'ApiKey',
      entityId: created.id,
      details: { name: input.name, role: input.role, prefix },
    });
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
  await audit(store, {
    actor,
    action: 'apikey.revoked',
    entity: 'ApiKey',
    entityId: key.id,
    details: { name, prefix: key.prefix },
  });
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

/** Open mode is recorded as this audit event, with the number of keys that existed then. */
const OPEN_MODE = { action: 'access.open-mode', entity: 'Access', entityId: 'mode' } as const;

export interface AccessState {
  activeKeys: number;
  /** Keys are required: one is active, or one was made since the last return to open mode. */
  closed: boolean;
}

export async function accessState(store: Store): Promise<AccessState> {
  const [activeKeys, allKeys] = await Promise.all([
    store.apiKey.count({ where: { revokedAt: null } }),
    store.apiKey.count(),
  ]);
  if (activeKeys > 0 || allKeys === 0) return { activeKeys, closed: activeKeys > 0 };
  const opened = await store.auditEvent.findFirst({
    where: OPEN_MODE,
    orderBy: { seq: 'desc' },
    select: { details: true },
  });
  const keysWhenOpened = opened ? Number((JSON.parse(opened.details) as { keys?: unknown }).keys) || 0 : 0;
  return { activeKeys, closed: allKeys > keysWhenOpened };
}

/**
 * `cardiac-uq keys open-mode --confirm`: back to single-user mode, audited. Refused while a key is
 * active. Keys are counted before the active check, so a key made meanwhile keeps the server closed.
 */
export async function returnToOpenMode(store: Store, actor: string): Promise<number> {
  return store.$transaction(async (tx) => {
    const keys = await tx.apiKey.count();
    const active = await tx.apiKey.findMany({
      where: { revokedAt: null },
      select: { name: true },
      orderBy: { name: 'asc' },
    });
    if (active.length) {
      throw new KeyError(
        `${active.length} active key${active.length > 1 ? 's' : ''} (${active.map((k) => k.name).join(', ')}): revoke ${active.length > 1 ? 'them' : 'it'} first`,
      );
    }
    await appendAudit(tx, { actor, ...OPEN_MODE, details: { keys } });
    return keys;
  });
}

const REOPEN_HINT =
  'every API key is revoked; an admin can return to open mode with `cardiac-uq keys open-mode --confirm`';

/** At start: a non-loopback binding in open mode is refused. Returns a line for the start-up log. */
export async function assertSafeBinding(store: Store, host: string): Promise<string> {
  const { activeKeys, closed } = await accessState(store);
  if (activeKeys > 0) return `API keys required (${activeKeys} active); roles analyst, reviewer, operator, admin`;
  if (closed)
    return `API keys required and none is active: ${REOPEN_HINT}, or create a key with \`cardiac-uq keys create\``;
  if (!isLoopback(host)) throw new UnsafeBindingError(host);
  return (
    `no API keys configured: listening on loopback (${host}) only, and every local caller is admin; ` +
    'create one with `cardiac-uq keys create` to require keys'
  );
}

/** A loopback name as a Host header or URL host carries it: localhost, 127.x.y.z or [::1], any port. */
const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;

/** What the gate reads of a request: an express request, or a WebSocket upgrade (./subscriptions.ts). */
type CallerRequest = Pick<IncomingMessage, 'headers' | 'socket'> & { ip?: string };

/** Why an open-mode request is not trusted (null: it is): a foreign Host, or a foreign browser Origin. */
function untrustedCaller(req: CallerRequest, corsOrigins: readonly string[]): Refusal | null {
  if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
    return {
      status: 421,
      code: 'UNTRUSTED_HOST',
      message: 'without API keys this server answers only requests addressed to localhost, 127.0.0.1 or [::1]',
    };
  }
  const origin = req.headers.origin;
  if (origin === undefined || corsOrigins.includes(origin) || isOwnOrigin(origin, req.socket.localPort)) return null;
  return {
    status: 403,
    code: 'UNTRUSTED_ORIGIN',
    message:
      'without API keys this server answers browser requests only from its own pages (or CARDIAC_UQ_CORS_ORIGINS)',
  };
}

function isOwnOrigin(origin: string, port: number | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything else unparseable
  }
  return (
    url.protocol === 'http:' && url.origin === origin && LOOPBACK_HOST.test(url.host) && Number(url.port || 80) === port
  );
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

function refuse(res: Response, refusal: Refusal): void {
  if (refusal.status === 401) res.set('WWW-Authenticate', 'Bearer');
  if (refusal.retryAfterSeconds) res.set('Retry-After', String(refusal.retryAfterSeconds));
  res.status(refusal.status).json({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
}

const unauthenticated = (message: string): Refusal => ({ status: 401, code: 'UNAUTHENTICATED', message });

/**
 * Authenticates every request before GraphQL sees it and puts the Principal on `res.locals`.
 * Key lookups and the "are there keys at all" answer are cached briefly (a revocation takes
 * effect within `cacheMs`); `lastUsed` is written at most once a minute per key.
 */
export class AuthGate {
  private access: { value: AccessState; at: number } | undefined;
  private readonly keys = new Map<string, { principal: Principal | null; id?: string; at: number }>();
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly failures: AuthFailures;

  constructor(
    private readonly store: Store,
    private readonly options: {
      host: string;
      localActor: string;
      corsOrigins?: readonly string[];
      cacheMs?: number;
      /** Failed authentications per address and minute before it is answered 429; 0: never. */
      failureLimit?: number;
      onError?: (error: Error) => void;
    },
  ) {
    this.failures = new AuthFailures(store, { limit: options.failureLimit ?? 0, onError: options.onError });
  }

  /** Writes the current window's failure counts to the audit log; call before the store closes. */
  close(): Promise<void> {
    return this.failures.close();
  }

  private get cacheMs() {
    return this.options.cacheMs ?? 2000;
  }

  private async accessState(): Promise<AccessState> {
    const now = Date.now();
    if (!this.access || now - this.access.at > this.cacheMs)
      this.access = { value: await accessState(this.store), at: now };
    return this.access.value;
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
    const row = await this.store.apiKey.findUnique({
      where: { keyHash },
      select: { id: true, name: true, role: true, revokedAt: true },
    });
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
          if ('status' in result) return refuse(res, result);
          res.locals.principal = result;
          next();
        })
        .catch(next);
    };
  }

  /**
   * The same checks for a WebSocket (./subscriptions.ts): `authorization` is what connection_init
   * carried, else the upgrade request's header.
   */
  authenticateUpgrade(req: IncomingMessage, authorization: string | undefined): Promise<Principal | Refusal> {
    return this.authenticate(req, authorization ?? req.headers.authorization);
  }

  private async authenticate(
    req: CallerRequest,
    authorization = req.headers.authorization,
  ): Promise<Principal | Refusal> {
    const address = AuthFailures.addressOf(req.ip ?? req.socket.remoteAddress);
    const wait = this.failures.retryAfter(address);
    if (wait)
      return {
        status: 429,
        code: 'RATE_LIMITED',
        message: `too many failed authentications from this address: try again in ${wait} s`,
        retryAfterSeconds: wait,
      };
    const result = await this.identify(req, authorization);
    if ('status' in result && result.status === 401) this.failures.failed(address);
    return result;
  }

  private async identify(req: CallerRequest, header: string | undefined): Promise<Principal | Refusal> {
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) return unauthenticated('the Authorization header must be "Bearer <API key>"');
      return (await this.principalOfKey(match[1])) ?? unauthenticated('invalid or revoked API key');
    }
    if (!isLoopback(this.options.host)) return unauthenticated(KEY_REQUIRED);
    const { activeKeys, closed } = await this.accessState();
    if (closed) return unauthenticated(activeKeys > 0 ? KEY_REQUIRED : `${KEY_REQUIRED} (${REOPEN_HINT})`);
    return (
      untrustedCaller(req, this.options.corsOrigins ?? []) ?? {
        actor: this.options.localActor,
        role: 'ADMIN',
        keyName: null,
      }
    );
  }
}

const KEY_REQUIRED = 'an API key is required: send "Authorization: Bearer <API key>"';

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
 * The mutations a reviewer may call: recording review decisions and nothing else (every one of
 * them also carries `@Authorized('REVIEWER')`).
 */
export const REVIEW_MUTATIONS: ReadonlySet<string> = new Set(['acceptReview', 'correctLabel']);

/**
 * The role an operation's mutation fields need at least: REVIEWER when every top-level field is a
 * review mutation, else OPERATOR. A fragment on Mutation is not looked into: it needs OPERATOR.
 */
export function mutationRole(operation: OperationDefinitionNode): ApiRole {
  const reviewOnly = operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || REVIEW_MUTATIONS.has(s.name.value)),
  );
  return reviewOnly ? 'REVIEWER' : 'OPERATOR';
}

/**
 * Default deny for writes: every mutation needs at least the operator role, including one added
 * later without an `@Authorized` decorator (which can only raise the bar, e.g. to admin); only an
 * operation made of review mutations alone is let through from the reviewer role up.
 */
export const mutationsNeedRole: ApolloServerPlugin<{ role: ApiRole }> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        if (operation?.operation !== 'mutation') return;
        const needed = mutationRole(operation);
        if (roleRank(contextValue.role) < roleRank(needed)) {
          const what = needed === 'REVIEWER' ? 'review decisions need' : 'mutations need';
          throw new GraphQLError(
            `${what} the ${needed.toLowerCase()} role (your key has ${contextValue.role.toLowerCase()})`,
            {
              extensions: { code: 'FORBIDDEN', requiredRole: needed, http: { status: 403 } },
            },
          );
        }
      },
    };
  },
};
