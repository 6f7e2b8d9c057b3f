/**
 * Opens the store's database: the external Postgres named by DATABASE_URL, or the embedded one.
 * Either way the migrations are applied before anything else touches it.
 */
import pg from 'pg';
import type { Config } from '../config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { applyMigrations } from './migrate';

export interface Database {
  url: string;
  kind: 'external' | 'embedded';
  /** Redacted description for logs and serverInfo: never includes a password. */
  description: string;
  /**
   * False while the database is known to be down (the embedded one being restarted); true
   * otherwise, which for an external database only means "not known to be down".
   */
  available(): boolean;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  constructor(description: string, cause: Error) {
    super(`cannot connect to the database at ${description}: ${cause.message}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Postgres SQLSTATEs and socket errors that mean "the server is not there", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'P1001',
  'P1002',
  'P1017',
]);
const UNAVAILABLE_MESSAGE =
  /connection terminated|ECONNREFUSED|ECONNRESET|the database system is (starting up|shutting down|in recovery)|terminating connection due to administrator command|can't reach database|server has closed the connection|connection (was )?closed|timeout exceeded when trying to connect/i;

/**
 * Whether an error (from pg, Prisma's pg adapter or pg-boss, wrapped however deeply) says the
 * database cannot be reached, so that the API answers DATABASE_UNAVAILABLE rather than an internal error.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 6) return false;
  if (error instanceof DatabaseUnavailableError) return true;
  const e = error as {
    code?: unknown;
    originalCode?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  for (const code of [e.code, e.originalCode]) if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (e.kind === 'DatabaseNotReachable' || e.kind === 'ConnectionClosed' || e.kind === 'SocketTimeout') return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
    return true;
  return isDatabaseUnavailable(e.cause, depth + 1) || isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1);
}

export function describeUrl(url: string): string {
  const u = new URL(url);
  return `postgresql://${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/** Fails fast with a clear error instead of hanging when the server is down or refuses us. */
async function checkReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new DatabaseUnavailableError(describeUrl(url), error as Error);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openDatabase(config: Config, log: (message: string) => void = () => {}): Promise<Database> {
  if (config.databaseUrl) {
    await checkReachable(config.databaseUrl);
    await applyMigrations(config.databaseUrl);
    return {
      url: config.databaseUrl,
      kind: 'external',
      description: describeUrl(config.databaseUrl),
      available: () => true,
      close: async () => {},
    };
  }
  const embedded = await startEmbeddedPostgres({ dataRoot: config.dataDir, port: config.embeddedPgPort, log });
  try {
    await applyMigrations(embedded.url);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return {
    url: embedded.url,
    kind: 'embedded',
    description: `embedded ${describeUrl(embedded.url)} (data in ${embedded.dataDir})`,
    available: () => embedded.available(),
    close: () => embedded.stop(),
  };
}
