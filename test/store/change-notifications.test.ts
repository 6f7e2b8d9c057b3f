/**
 * Every table of the store tells listeners when a statement changed it (migration
 * 20261202060000_change_notifications), once its transaction has committed: the API's response
 * cache relies on hearing of every change (docs/design.md "Response cache").
 */
import pg from 'pg';
import { createDatabase, testServers } from '../support/databases';

let db: Awaited<ReturnType<typeof createDatabase>>;
let listener: pg.Client;
let writer: pg.Client;
const heard: string[] = [];

beforeAll(async () => {
  db = await createDatabase(testServers()[0]);
  listener = new pg.Client({ connectionString: db.url });
  writer = new pg.Client({ connectionString: db.url });
  await Promise.all([listener.connect(), writer.connect()]);
  listener.on('notification', (n) => heard.push(`${n.channel}:${n.payload}`));
  await listener.query('LISTEN cardiac_uq_store_changed');
});
afterAll(async () => {
  await Promise.all([listener?.end(), writer?.end()]);
  await db?.drop();
});

/** Waits until the listener has heard `n` notifications in all, or 3 s have passed. */
async function heardAtLeast(n: number) {
  for (const deadline = Date.now() + 3000; heard.length < n && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 20));
  return heard.slice();
}

test('every table of the store has the change trigger', async () => {
  const { rows } = await writer.query<{ table: string; notifies: boolean }>(`
    SELECT c.relname AS table,
           EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                   WHERE t.tgrelid = c.oid AND p.proname = 'cardiac_uq_notify_change') AS notifies
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`);
  expect(rows.length).toBeGreaterThan(20);
  expect(rows.filter((r) => !r.notifies).map((r) => r.table)).toEqual([]);
});

test('a change is heard once per table and transaction, after the commit, and a rolled-back one never', async () => {
  heard.length = 0;
  await writer.query('BEGIN');
  await writer.query(
    `INSERT INTO "ApiKey" (id, name, "keyHash", prefix, role) VALUES (gen_random_uuid(), 'a', 'h1', 'p', 'ANALYST')`,
  );
  await writer.query(`UPDATE "ApiKey" SET prefix = 'q' WHERE name = 'a'`);
  await new Promise((r) => setTimeout(r, 200));
  expect(heard).toEqual([]);
  await writer.query('COMMIT');
  expect(await heardAtLeast(1)).toEqual(['cardiac_uq_store_changed:ApiKey']);

  await writer.query('BEGIN');
  await writer.query(`DELETE FROM "ApiKey" WHERE name = 'a'`);
  await writer.query('ROLLBACK');
  await writer.query(`UPDATE "ApiKey" SET prefix = 'r' WHERE name = 'nobody'`);
  // The rollback sends nothing; a statement that touched no row still tells (it is cheap, and safe).
  expect(await heardAtLeast(2)).toEqual(['cardiac_uq_store_changed:ApiKey', 'cardiac_uq_store_changed:ApiKey']);
});
