/** The start-up migrator against real Postgres: fresh apply, idempotence, concurrency, tampering. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations, listMigrations, MIGRATIONS_DIR } from '../../src/db/migrate';
import { createDatabase, testServers } from '../support/databases';

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  await client.end();
  return rows.map((r) => r.tablename);
}

describe.each(testServers().map((s) => [s.name, s] as const))('migrations on %s Postgres', (_name, server) => {
  test('a fresh database gets every table of the store, once', async () => {
    const db = await createDatabase(server, { migrate: false });
    try {
      const first = await applyMigrations(db.url);
      expect(first.applied).toEqual(listMigrations().map((m) => m.name));
      const names = await tables(db.url);
      for (const table of [
        'Dataset',
        'Subject',
        'Slice',
        'Run',
        'Checkpoint',
        'Evaluation',
        'Prediction',
        'Sample',
        'StructureMetric',
        'ImageMetric',
        'AuditEvent',
        'ApiKey',
        '_prisma_migrations',
      ]) {
        expect(names).toContain(table);
      }
      const second = await applyMigrations(db.url);
      expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });
    } finally {
      await db.drop();
    }
  });

  test('two processes migrating at once: one applies, the other waits and finds it done', async () => {
    const db = await createDatabase(server, { migrate: false });
    try {
      const results = await Promise.all([applyMigrations(db.url), applyMigrations(db.url), applyMigrations(db.url)]);
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, listMigrations().length]);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM "_prisma_migrations"');
      await client.end();
      expect(rows[0].n).toBe(listMigrations().length);
    } finally {
      await db.drop();
    }
  });

  test('an applied migration edited afterwards is refused, and a failing one leaves nothing behind', async () => {
    const db = await createDatabase(server);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-mig-'));
    try {
      for (const m of listMigrations()) {
        fs.mkdirSync(path.join(dir, m.name));
        fs.writeFileSync(path.join(dir, m.name, 'migration.sql'), `${m.sql}\n-- edited\n`);
      }
      await expect(applyMigrations(db.url, dir)).rejects.toThrow(/modified after it was applied/);

      fs.rmSync(dir, { recursive: true });
      fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      fs.mkdirSync(path.join(dir, '99999999999999_broken'));
      fs.writeFileSync(
        path.join(dir, '99999999999999_broken', 'migration.sql'),
        'CREATE TABLE half_done (x int);\nSELECT no_such_function();',
      );
      await expect(applyMigrations(db.url, dir)).rejects.toThrow(/99999999999999_broken failed/);
      expect(await tables(db.url)).not.toContain('half_done');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
