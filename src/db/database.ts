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
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  constructor(description: string, cause: Error) {
    super(`cannot connect to the database at ${description}: ${cause.message}`);
    this.name = 'DatabaseUnavailableError';
  }
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
    return { url: config.databaseUrl, kind: 'external', description: describeUrl(config.databaseUrl), close: async () => {} };
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
    close: () => embedded.stop(),
  };
}
