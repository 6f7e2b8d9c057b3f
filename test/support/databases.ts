/**
 * Real Postgres servers for integration tests: the embedded one the global setup started, and the
 * machine's external Postgres 15 when it answers. Each test file gets fresh, migrated databases.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { applyMigrations } from '../../src/db/migrate';

export interface TestServer {
  name: 'embedded' | 'external';
  adminUrl: string;
}

export function testServers(): TestServer[] {
  const servers: TestServer[] = [{ name: 'embedded', adminUrl: process.env.CUQ_TEST_EMBEDDED_PG as string }];
  if (process.env.CUQ_TEST_EXTERNAL_PG) servers.push({ name: 'external', adminUrl: process.env.CUQ_TEST_EXTERNAL_PG });
  return servers;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty database on the server; `drop()` removes it. */
export async function createDatabase(server: TestServer, options: { migrate?: boolean } = {}) {
  const name = `cuq_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(server.adminUrl, name);
  if (options.migrate !== false) await applyMigrations(url);
  return {
    url,
    name,
    async drop() {
      const client = new pg.Client({ connectionString: server.adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
