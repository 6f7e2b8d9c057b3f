/**
 * Backup and restore (docs/operations.md "Backups"): a pg_dump of the store restores into a fresh
 * database whose audit chain verifies with the same head, with its triggers in place. It needs a
 * PostgreSQL server on 127.0.0.1:5432 (or CARDIAC_UQ_TEST_EXTERNAL_PG) and pg_dump/pg_restore on
 * PATH, so it is not part of `npm test` (which must pass on a machine with nothing but Node): it
 * runs as `npm run test:ops`, which CI runs, and fails there when they are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, testServers } from '../support/databases';
import { spawnCli } from '../support/serve-process';
import { seedStore, sql } from '../security/integrity-seed';

const NO_KEY = { CARDIAC_UQ_AUDIT_KEY: '', CARDIAC_UQ_AUDIT_OLD_KEYS: '' };

async function verified(url: string, ...args: string[]) {
  const run = spawnCli(['audit', 'verify', ...args], { ...NO_KEY, DATABASE_URL: url });
  return { code: await run.exited, out: run.output() };
}

const counts = async (url: string) =>
  (
    await sql(
      url,
      'SELECT (SELECT count(*) FROM "Prediction") p, (SELECT count(*) FROM "StructureMetric") s, (SELECT count(*) FROM "AuditEvent") a',
    )
  ).rows[0];

test('the procedure has what it needs: an external Postgres and its client tools', () => {
  expect(testServers().map((s) => s.name)).toContain('external');
  for (const tool of ['pg_dump', 'pg_restore'])
    expect([tool, spawnSync(tool, ['--version']).status]).toEqual([tool, 0]);
});

test('pg_dump → fresh database → pg_restore: audit verify passes, same head, triggers in place', async () => {
  const server = testServers().find((s) => s.name === 'external');
  if (!server) throw new Error('no external Postgres answers on 127.0.0.1:5432 (CARDIAC_UQ_TEST_EXTERNAL_PG)');
  const source = await createDatabase(server);
  const target = await createDatabase(server, { migrate: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-backup-'));
  try {
    await seedStore(source.url);
    const before = await verified(source.url);
    expect(before.code).toBe(0);
    const kept = /^keep: --head (\S+)$/m.exec(before.out)![1];
    const dump = path.join(dir, 'store.dump');
    execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', dump, source.url]);
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', target.url, dump]);
    const after = await verified(target.url, '--head', kept);
    expect(after.code).toBe(0);
    expect(after.out).toBe(before.out.replace(/^(keep: .*)$/m, "kept head (event 7) is the chain's head\n$1"));
    await expect(sql(target.url, 'DELETE FROM "Prediction"')).rejects.toThrow(/immutable/);
    await expect(sql(target.url, 'UPDATE "Run" SET "createdBy" = \'mallory\'')).rejects.toThrow(
      /provenance is immutable/,
    );
    expect(await counts(target.url)).toEqual(await counts(source.url));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await source.drop();
    await target.drop();
  }
});
