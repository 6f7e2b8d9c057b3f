/**
 * Integrity: result and audit rows are immutable in Postgres itself; `cardiac-uq audit verify`
 * (and the auditVerification query) find the first edited or deleted event when someone with
 * owner rights bypasses the triggers; a pg_dump of the store restores into a fresh database that
 * verifies (docs/operations.md).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { audit } from '../../src/db/audit';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { createDatabase, testServers } from '../support/databases';
import type { TestServer } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { spawnCli } from '../support/serve-process';
import { seedSyntheticStudy } from '../support/synthetic-store';

const embedded = testServers()[0];
const external = testServers().find((s) => s.name === 'external');

const IMMUTABLE: Array<[string, string]> = [
  ['Prediction', '"shard" = "shard" + 1'],
  ['StructureMetric', 'dice = 0'],
  ['ImageMetric', 'nll = 0'],
  ['Sample', '"index" = "index" + 1000'],
  ['AuditEvent', 'actor = \'mallory\''],
  ['Checkpoint', '"valNll" = 0'],
];

async function seed(url: string) {
  const store = createStore(url);
  try {
    const study = await seedSyntheticStudy(store, { subjects: 2, slicesPerSubject: 3 });
    await store.sample.create({ data: { predictionId: study.predictionIds[0], index: 0, labelMap: Buffer.from([1, 2, 3]) } });
    for (let i = 0; i < 5; i++) await audit(store, { actor: `actor-${i}`, action: 'test.event', entity: 'Run', entityId: study.evaluationRunId, details: { i, note: 'x'.repeat(i) } });
    return study;
  } finally {
    await store.$disconnect();
  }
}

async function sql(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

function verify(url: string, ...args: string[]) {
  return spawnCli(['audit', 'verify', ...args], { DATABASE_URL: url });
}

describe('immutable results and the audit chain', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;

  beforeAll(async () => {
    db = await createDatabase(embedded);
    await seed(db.url);
    store = createStore(db.url);
  });

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  test.each(IMMUTABLE)('%s rows cannot be updated, deleted or truncated', async (table, assignment) => {
    await expect(sql(db.url, `UPDATE "${table}" SET ${assignment}`)).rejects.toThrow(/results are immutable: UPDATE/);
    await expect(sql(db.url, `DELETE FROM "${table}"`)).rejects.toThrow(/results are immutable: DELETE/);
    await expect(sql(db.url, `TRUNCATE "${table}" CASCADE`)).rejects.toThrow(/results are immutable: TRUNCATE/);
    expect(Number((await sql(db.url, `SELECT count(*) AS n FROM "${table}"`)).rows[0].n)).toBeGreaterThan(0);
  });

  test('through Prisma too: corrections must be new rows', async () => {
    const prediction = await store.prediction.findFirstOrThrow();
    await expect(store.prediction.update({ where: { id: prediction.id }, data: { shard: 9 } })).rejects.toThrow(/immutable/);
    await expect(store.imageMetric.deleteMany({})).rejects.toThrow(/immutable/);
  });

  test('audit verify: OK, then the first edited event, then the first event after a deleted one', async () => {
    const ok = verify(db.url);
    expect(await ok.exited).toBe(0);
    expect(ok.output()).toMatch(/^OK: 5 audit events chain correctly; head [0-9a-f]{64} at event 5/m);
    const head = /head ([0-9a-f]{64})/.exec(ok.output())![1];

    const api = await startTestPlatform(db.url, 'api');
    try {
      // Someone with owner rights edits event 2 behind the triggers' back.
      await sql(db.url, 'ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_immutable"; UPDATE "AuditEvent" SET actor = \'mallory\' WHERE seq = 2; ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_immutable"');
      const edited = verify(db.url);
      expect(await edited.exited).toBe(3);
      expect(edited.output()).toMatch(/BROKEN: audit event 2 is the first broken one: its content does not match its hash \(edited\) \[HASH_MISMATCH\]/);
      const viaApi = await api.gql('{ auditVerification { ok events firstBroken { seq reason } } }');
      expect(viaApi.body.data.auditVerification).toEqual({ ok: false, events: 2, firstBroken: { seq: '2', reason: 'HASH_MISMATCH' } });

      // Put it back, then delete event 3: event 4 no longer links.
      await sql(db.url, 'ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_immutable"; UPDATE "AuditEvent" SET actor = \'actor-1\' WHERE seq = 2; DELETE FROM "AuditEvent" WHERE seq = 3; ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_immutable"');
      const deleted = verify(db.url, '--json');
      expect(await deleted.exited).toBe(3);
      expect(JSON.parse(deleted.output())).toMatchObject({ ok: false, firstBroken: { seq: '4', reason: 'BROKEN_LINK' } });

      // Deleting the tail leaves a valid shorter chain: the recorded head catches it.
      await sql(db.url, 'ALTER TABLE "AuditEvent" DISABLE TRIGGER USER; DELETE FROM "AuditEvent" WHERE seq >= 3; ALTER TABLE "AuditEvent" ENABLE TRIGGER USER');
      expect(await verify(db.url).exited).toBe(0);
      const truncated = verify(db.url, '--head', head);
      expect(await truncated.exited).toBe(3);
      expect(truncated.output()).toMatch(/recorded head .* is not in the chain/);
      const page = await api.gql('{ auditLog(first: 1, filter: { actor: "actor-1" }) { totalCount nodes { seq actor action details } } }');
      expect(page.body.data.auditLog).toEqual({ totalCount: 1, nodes: [{ seq: '2', actor: 'actor-1', action: 'test.event', details: '{"i":1,"note":"x"}' }] });
    } finally {
      await api.platform.close();
    }
  });
});

// pg_dump/pg_restore come with the machine's PostgreSQL 15 (the embedded server ships none), so
// this procedure needs that server; without it the test fails and says why rather than skipping.
describe('backup and restore (pg_dump of the store on the external Postgres)', () => {
  const server = external as TestServer;
  beforeAll(() => {
    if (!external) throw new Error('the backup/restore test needs the PostgreSQL 15 server and client tools on 127.0.0.1:5432 (CARDIAC_UQ_TEST_EXTERNAL_PG)');
  });

  test('pg_dump → fresh database → pg_restore: audit verify passes, same head, triggers in place', async () => {
    const source = await createDatabase(server);
    const target = await createDatabase(server, { migrate: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-backup-'));
    try {
      await seed(source.url);
      const before = verify(source.url);
      expect(await before.exited).toBe(0);
      const dump = path.join(dir, 'store.dump');
      execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', dump, source.url]);
      execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', target.url, dump]);
      const after = verify(target.url);
      expect(await after.exited).toBe(0);
      expect(after.output()).toBe(before.output());
      await expect(sql(target.url, 'DELETE FROM "Prediction"')).rejects.toThrow(/immutable/);
      const counts = async (url: string) => (await sql(url, 'SELECT (SELECT count(*) FROM "Prediction") p, (SELECT count(*) FROM "StructureMetric") s, (SELECT count(*) FROM "AuditEvent") a')).rows[0];
      expect(await counts(target.url)).toEqual(await counts(source.url));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await source.drop();
      await target.drop();
    }
  });
});
