/**
 * Integrity: result, provenance and audit rows are guarded in Postgres itself; `cardiac-uq audit
 * verify` (and the auditVerification query) find the first edited or deleted event, and the first
 * evaluation shard, dataset or checkpoint whose rows were edited behind the triggers' back; with
 * CARDIAC_UQ_AUDIT_KEY a re-hashed chain is caught at the first edited event; `--head` tells an
 * extended chain from a rewritten or shortened one (docs/operations.md "Integrity"). Backup and
 * restore, which need Postgres client tools, are test/ops/backup-restore.test.ts (`npm run test:ops`).
 */
import { appendAudit } from '../../src/db/audit';
import { auditKeyId } from '../../src/db/audit-key';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { spawnCli } from '../support/serve-process';
import { bypassed, rehashFrom, seedStore, sql } from './integrity-seed';
import type { Seeded } from './integrity-seed';

const embedded = testServers()[0];
const NO_KEY = { CARDIAC_UQ_AUDIT_KEY: '', CARDIAC_UQ_AUDIT_OLD_KEYS: '' };
const KEY = 'k'.repeat(8) + '-audit-key-outside-the-db';
const OTHER_KEY = 'another-audit-key-0123456789';

const IMMUTABLE: Array<[string, string]> = [
  ['Prediction', '"shard" = "shard" + 1'],
  ['StructureMetric', 'dice = 0'],
  ['ImageMetric', 'nll = 0'],
  ['Sample', '"index" = "index" + 1000'],
  ['AuditEvent', "actor = 'mallory'"],
  ['Checkpoint', '"valNll" = 0'],
];

function verify(url: string, env: Record<string, string>, ...args: string[]) {
  return spawnCli(['audit', 'verify', ...args], { ...NO_KEY, ...env, DATABASE_URL: url });
}

async function verified(url: string, env: Record<string, string>, ...args: string[]) {
  const run = verify(url, env, ...args);
  return { code: await run.exited, out: run.output() };
}

async function withKeyInEnv<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = process.env.CARDIAC_UQ_AUDIT_KEY;
  process.env.CARDIAC_UQ_AUDIT_KEY = key;
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env.CARDIAC_UQ_AUDIT_KEY;
    else process.env.CARDIAC_UQ_AUDIT_KEY = before;
  }
}

describe('immutable results and the audit chain', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;

  beforeAll(async () => {
    db = await createDatabase(embedded);
    await seedStore(db.url);
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
    await expect(store.prediction.update({ where: { id: prediction.id }, data: { shard: 9 } })).rejects.toThrow(
      /immutable/,
    );
    await expect(store.imageMetric.deleteMany({})).rejects.toThrow(/immutable/);
  });

  test('audit verify: OK, then the first edited event, then the first event after a deleted one', async () => {
    const ok = await verified(db.url, {});
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK: 7 audit events chain correctly; head [0-9a-f]{64} at event 7$/m);
    expect(ok.out).toMatch(/^results: 2 evaluation shards, 1 datasets, 1 checkpoints match their recorded digests$/m);
    const kept = /^keep: --head (7:[0-9a-f]{64})$/m.exec(ok.out)![1];

    const api = await startTestPlatform(db.url, 'api', NO_KEY);
    try {
      // Someone with owner rights edits event 5 behind the triggers' back.
      await bypassed(db.url, 'UPDATE "AuditEvent" SET actor = \'mallory\' WHERE seq = 5');
      const edited = await verified(db.url, {});
      expect(edited.code).toBe(3);
      expect(edited.out).toMatch(
        /BROKEN: audit event 5 is the first broken one: its content does not match its hash \(edited\) \[HASH_MISMATCH\]/,
      );
      const viaApi = await api.gql('{ auditVerification { ok events firstBroken { seq reason } } }');
      expect(viaApi.body.data.auditVerification).toEqual({
        ok: false,
        events: 5,
        firstBroken: { seq: '5', reason: 'HASH_MISMATCH' },
      });

      // Put it back, then delete event 6: event 7 no longer links.
      await bypassed(
        db.url,
        'UPDATE "AuditEvent" SET actor = \'actor-0\' WHERE seq = 5; DELETE FROM "AuditEvent" WHERE seq = 6',
      );
      const deleted = await verified(db.url, {}, '--json');
      expect(deleted.code).toBe(3);
      expect(JSON.parse(deleted.out)).toMatchObject({ ok: false, firstBroken: { seq: '7', reason: 'BROKEN_LINK' } });

      // Deleting the tail leaves a valid shorter chain: the kept head (with its position) says so.
      await bypassed(db.url, 'DELETE FROM "AuditEvent" WHERE seq >= 6');
      expect((await verified(db.url, {})).code).toBe(0);
      const shorter = await verified(db.url, {}, '--head', kept);
      expect(shorter.code).toBe(3);
      expect(shorter.out).toMatch(
        /BROKEN: the kept head \(event 7\) is not in the chain, which now ends at event 5: events at the end were deleted, or the chain was rewritten \[HEAD_MISSING\]/,
      );
      const page = await api.gql(
        '{ auditLog(first: 1, filter: { actor: "actor-0" }) { totalCount nodes { seq actor action details } } }',
      );
      expect(page.body.data.auditLog).toEqual({
        totalCount: 1,
        nodes: [{ seq: '5', actor: 'actor-0', action: 'test.event', details: '{"i":0,"note":""}' }],
      });
    } finally {
      await api.platform.close();
    }
  });
});

describe.each(testServers().map((s) => [s.name, s] as const))(
  'result digests and provenance guards (%s Postgres)',
  (_name, server) => {
    let db: Awaited<ReturnType<typeof createDatabase>>;
    let seeded: Seeded;
    let store: Store;

    beforeAll(async () => {
      db = await createDatabase(server);
      seeded = await seedStore(db.url);
      store = createStore(db.url);
    });

    afterAll(async () => {
      await store?.$disconnect();
      await db?.drop();
    });

    test('a StructureMetric edited with triggers bypassed: verify exits 3 naming the evaluation and shard; put back, OK again', async () => {
      expect((await verified(db.url, {})).code).toBe(0);
      const target = seeded.shards[1][0];
      const original = (
        await sql(
          db.url,
          'SELECT dice, poor FROM "StructureMetric" WHERE "predictionId" = $1 AND structure = \'MYO\'',
          [target],
        )
      ).rows[0];
      await bypassed(
        db.url,
        'UPDATE "StructureMetric" SET dice = 0.95, poor = false WHERE "predictionId" = $1 AND structure = \'MYO\'',
        [target],
      );
      const edited = await verified(db.url, {});
      expect(edited.code).toBe(3);
      expect(edited.out).toContain(
        `BROKEN: evaluation ${seeded.evaluationId} shard 1 was changed after it was stored: its rows no longer give the digest audit event 4 records [RESULT_MISMATCH]`,
      );
      const json = JSON.parse((await verified(db.url, {}, '--json')).out);
      expect(json).toMatchObject({
        ok: false,
        firstBroken: {
          seq: '4',
          reason: 'RESULT_MISMATCH',
          target: { kind: 'shard', evaluationId: seeded.evaluationId, shard: 1 },
        },
      });
      await bypassed(
        db.url,
        'UPDATE "StructureMetric" SET dice = $2, poor = $3 WHERE "predictionId" = $1 AND structure = \'MYO\'',
        [target, original.dice, original.poor],
      );
      expect((await verified(db.url, {})).code).toBe(0);
    });

    test.each([
      [
        'a histogram bin of an image metric',
        'UPDATE "ImageMetric" SET "binCounts"[2] = 7 WHERE "predictionId" = $1',
        'shard0',
        'evaluation EVAL shard 0',
      ],
      [
        'a stored posterior sample',
        'UPDATE "Sample" SET "labelMap" = \'\\x00\'::bytea WHERE "predictionId" = $1 AND index = 1',
        'shard0',
        'evaluation EVAL shard 0',
      ],
      [
        'a prediction moved to another shard',
        'UPDATE "Prediction" SET shard = 1 WHERE id = $1',
        'shard0',
        'evaluation EVAL shard 0',
      ],
      [
        "the evaluation's sample count",
        'UPDATE "Evaluation" SET samples = 50 WHERE id = $1',
        'evaluation',
        'evaluation EVAL shard 0',
      ],
      [
        "a slice's image bytes",
        'UPDATE "Slice" SET image = \'\\x00\'::bytea WHERE id = $1',
        'slice',
        'dataset DATASET',
      ],
      [
        "a checkpoint's weights",
        'UPDATE "Checkpoint" SET weights = \'\\x00\'::bytea WHERE id = $1',
        'checkpoint',
        'checkpoint CHECKPOINT',
      ],
      [
        'an epoch of the training history',
        'UPDATE "TrainingEpoch" SET "valNll" = 0 WHERE "runId" = $1 AND epoch = 1',
        'training',
        'checkpoint CHECKPOINT',
      ],
    ])('%s edited with triggers bypassed is named', async (_what, update, param, named) => {
      const db2 = await createDatabase(server);
      try {
        await seedStore(db2.url);
        const copy = await copyOf(db2.url);
        const target = {
          shard0: copy.shards[0][0],
          evaluation: copy.evaluationId,
          slice: copy.sliceIds[4],
          checkpoint: copy.checkpointId,
          training: copy.trainingRunId,
        }[param];
        await bypassed(db2.url, update, [target]);
        const result = await verified(db2.url, {});
        expect(result.code).toBe(3);
        const name = named
          .replace('EVAL', copy.evaluationId)
          .replace('DATASET', copy.datasetId)
          .replace('CHECKPOINT', copy.checkpointId);
        expect(result.out).toContain(`BROKEN: ${name} was changed after it was stored`);
      } finally {
        await db2.drop();
      }
    });

    test('result rows inserted outside the platform (no audit event records them) fail verify', async () => {
      // Inserts pass the triggers: a whole fake evaluation, with a prediction, written by hand.
      const run = await store.run.create({
        data: { kind: 'EVALUATE', config: {}, codeVersion: 'test', createdBy: 'someone', datasetId: seeded.datasetId },
      });
      const fake = await store.evaluation.create({
        data: {
          runId: run.id,
          trainingRunId: seeded.trainingRunId,
          datasetId: seeded.datasetId,
          samples: 2,
          metricVersion: 1,
        },
      });
      await sql(
        db.url,
        'INSERT INTO "Prediction" (id, "evaluationId", "sliceId", shard, "labelMap") VALUES (gen_random_uuid(), $1, $2, 7, \'\\x00\'::bytea)',
        [fake.id, seeded.sliceIds[0]],
      );
      const result = await verified(db.url, {});
      expect(result.code).toBe(3);
      expect(result.out).toContain(
        `BROKEN: evaluation ${fake.id} shard 7: result rows that no audit event records (inserted outside the platform) [UNRECORDED]`,
      );
      await bypassed(db.url, 'DELETE FROM "Prediction" WHERE shard = 7');
      await bypassed(
        db.url,
        'INSERT INTO "StructureMetric" ("predictionId", "evaluationId", structure, status, dice, poor, "metricVersion") VALUES (gen_random_uuid(), $1, \'LV\', \'OK\', 0.99, false, 1)',
        [seeded.evaluationId],
      );
      const orphan = await verified(db.url, {});
      expect(orphan.code).toBe(3);
      expect(orphan.out).toContain('BROKEN: StructureMetric rows outside any stored prediction of their evaluation');
      await bypassed(db.url, 'DELETE FROM "StructureMetric" WHERE dice = 0.99');
      expect((await verified(db.url, {})).code).toBe(0);
    });

    test('provenance: UPDATE of Run.createdBy and of dataset, subject, slice, evaluation and epoch rows is refused', async () => {
      await expect(sql(db.url, 'UPDATE "Run" SET "createdBy" = \'mallory\'')).rejects.toThrow(
        /provenance is immutable: UPDATE of "createdBy" on "Run" is not allowed/,
      );
      for (const assignment of [
        "config = '{}'",
        'seed = 9',
        "kind = 'STUDY'",
        '"codeVersion" = \'x\'',
        '"createdAt" = now()',
        '"parentRunId" = id',
        "method = 'BBB'",
      ]) {
        await expect(
          sql(db.url, `UPDATE "Run" SET ${assignment} WHERE id = $1`, [seeded.trainingRunId]),
        ).rejects.toThrow(/provenance is immutable: UPDATE of .* on "Run"/);
      }
      // A dataset, once set, stays.
      await expect(
        sql(db.url, 'UPDATE "Run" SET "datasetId" = gen_random_uuid() WHERE id = $1', [seeded.trainingRunId]),
      ).rejects.toThrow(/UPDATE of "datasetId" on "Run"/);
      for (const [table, assignment] of [
        ['Dataset', "name = 'x'"],
        ['Dataset', '"createdBy" = \'mallory\''],
        ['Subject', "split = 'TRAIN'"],
        ['Slice', 'position = 0'],
        ['Evaluation', 'samples = 1'],
        ['EvaluationCheckpoint', '"checkpointId" = "checkpointId"'],
        ['TrainingEpoch', '"valNll" = 0'],
      ]) {
        await expect(sql(db.url, `UPDATE "${table}" SET ${assignment}`)).rejects.toThrow(
          new RegExp(`provenance is immutable: UPDATE on "${table}"`),
        );
      }
      await expect(
        store.run.update({ where: { id: seeded.trainingRunId }, data: { createdBy: 'mallory' } }),
      ).rejects.toThrow(/provenance is immutable/);
      expect(
        (await sql(db.url, 'SELECT count(*)::int AS n FROM "Run" WHERE "createdBy" = \'mallory\'')).rows[0].n,
      ).toBe(0);
    });

    test("provenance: what a running job changes is still accepted (status, progress, stage, ETA, times, error, job id, backend; dataset once; a study's repeats upwards)", async () => {
      const run = await store.run.create({
        data: { kind: 'DATASET', config: { name: 'x' }, codeVersion: 'test', createdBy: 'alice' },
      });
      await store.run.update({
        where: { id: run.id },
        data: { status: 'RUNNING', startedAt: new Date(), backend: 'wasm', jobId: 'job-1', error: null },
      });
      await store.run.updateMany({
        where: { id: run.id, status: 'RUNNING' },
        data: { progress: 0.5, stage: 'storing slices', etaSeconds: 12.5 },
      });
      await store.run.update({ where: { id: run.id }, data: { error: 'transient', backend: 'cpu', jobId: 'job-2' } });
      await store.run.update({ where: { id: run.id }, data: { datasetId: seeded.datasetId } });
      await store.run.update({
        where: { id: run.id },
        data: { status: 'SUCCEEDED', progress: 1, etaSeconds: 0, finishedAt: new Date(), error: null },
      });
      expect(await store.run.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({
        status: 'SUCCEEDED',
        progress: 1,
        stage: 'storing slices',
        backend: 'cpu',
        jobId: 'job-2',
        datasetId: seeded.datasetId,
        createdBy: 'alice',
        config: { name: 'x' },
      });

      const study = await store.run.create({
        data: {
          kind: 'STUDY',
          config: { plan: { preset: 'quick', seed: 1 }, repeats: 1 },
          seed: 1,
          codeVersion: 'test',
          createdBy: 'alice',
        },
      });
      await store.run.update({
        where: { id: study.id },
        data: {
          config: { plan: { preset: 'quick', seed: 1 }, repeats: 3 },
          status: 'RUNNING',
          finishedAt: null,
          startedAt: new Date(),
        },
      });
      await expect(
        store.run.update({
          where: { id: study.id },
          data: { config: { plan: { preset: 'quick', seed: 1 }, repeats: 2 } },
        }),
      ).rejects.toThrow(/UPDATE of "config" on "Run"/);
      await expect(
        store.run.update({
          where: { id: study.id },
          data: { config: { plan: { preset: 'paper', seed: 1 }, repeats: 3 } },
        }),
      ).rejects.toThrow(/UPDATE of "config" on "Run"/);
      await expect(
        store.run.update({ where: { id: run.id }, data: { config: { name: 'x', repeats: 2 } } }),
      ).rejects.toThrow(/UPDATE of "config" on "Run"/);

      // Deletion rules are unchanged: a run nothing refers to can go; a dataset with subjects cannot.
      await store.run.delete({ where: { id: study.id } });
      await expect(sql(db.url, 'DELETE FROM "Dataset" WHERE id = $1', [seeded.datasetId])).rejects.toThrow(
        /foreign key/,
      );
      expect((await verified(db.url, {})).code).toBe(0);
    });
  },
);

async function copyOf(url: string): Promise<Seeded> {
  const store = createStore(url);
  try {
    const evaluation = await store.evaluation.findFirstOrThrow();
    const predictions = await store.prediction.findMany({ orderBy: { id: 'asc' }, select: { id: true, shard: true } });
    const slices = await store.slice.findMany({
      orderBy: [{ subject: { externalId: 'asc' } }, { sliceIndex: 'asc' }],
      select: { id: true },
    });
    const checkpoint = await store.checkpoint.findFirstOrThrow();
    return {
      datasetId: evaluation.datasetId,
      evaluationId: evaluation.id,
      checkpointId: checkpoint.id,
      trainingRunId: checkpoint.runId,
      sliceIds: slices.map((s) => s.id),
      shards: [0, 1].map((s) => predictions.filter((p) => p.shard === s).map((p) => p.id)),
    };
  } finally {
    await store.$disconnect();
  }
}

describe('a chain re-hashed after an edit: caught with the audit key, diagnosed by --head without it', () => {
  test('without the key: a re-hash passes the chain check, but the kept head says it was rewritten (not that events were deleted)', async () => {
    const db = await createDatabase(embedded);
    try {
      await seedStore(db.url);
      const before = await verified(db.url, {});
      const kept = /^keep: --head (\d+:[0-9a-f]{64})$/m.exec(before.out)![1];
      const keptHash = kept.split(':')[1];
      const earlier = (await sql(db.url, 'SELECT seq, hash FROM "AuditEvent" WHERE seq = 3')).rows[0];

      // Appending is fine: a head kept earlier is found before the end.
      const appended = await verified(db.url, {}, '--head', `3:${earlier.hash}`);
      expect(appended.code).toBe(0);
      expect(appended.out).toContain('kept head found at event 3; the 4 events after it were appended since');
      expect((await verified(db.url, {}, '--head', kept)).out).toContain("kept head (event 7) is the chain's head");

      await bypassed(db.url, 'UPDATE "AuditEvent" SET actor = \'mallory\' WHERE seq = 5');
      await rehashFrom(db.url, 5);
      expect((await verified(db.url, {})).code).toBe(0); // the weakness a kept head (or the key) closes
      const rewritten = await verified(db.url, {}, '--head', kept);
      expect(rewritten.code).toBe(3);
      expect(rewritten.out).toMatch(/the chain was rewritten at or before event 7 \[HEAD_REWRITTEN\]/);
      expect(rewritten.out).not.toMatch(/were deleted/);
      const hashOnly = await verified(db.url, {}, '--head', keptHash);
      expect(hashOnly.code).toBe(3);
      expect(hashOnly.out).toMatch(
        /the kept head [0-9a-f]{64} is nowhere in the chain: the chain was rewritten at or before the event it was the head of, or events at the end were deleted/,
      );
      expect((await verified(db.url, {}, '--head', 'nonsense')).code).toBe(2);
    } finally {
      await db.drop();
    }
  });

  test('with CARDIAC_UQ_AUDIT_KEY: the links are HMACs; a re-hash is caught at the edited event; a missing or wrong key is not called a broken chain', async () => {
    const db = await createDatabase(embedded);
    const keyEnv = { CARDIAC_UQ_AUDIT_KEY: KEY };
    try {
      await withKeyInEnv(KEY, () => seedStore(db.url));
      const keyIds = (await sql(db.url, 'SELECT DISTINCT "keyId" FROM "AuditEvent"')).rows.map((r) => r.keyId);
      expect(keyIds).toEqual([auditKeyId(Buffer.from(KEY))]);
      const ok = await verified(db.url, keyEnv);
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(
        /^OK: 7 audit events chain correctly \(HMAC-SHA-256 with the audit key from event 1\); head/m,
      );

      const missing = await verified(db.url, {});
      expect(missing.code).toBe(2);
      expect(missing.out).toMatch(
        /^CANNOT VERIFY: audit event 1 is HMAC-linked with audit key id [0-9a-f]{16}, and CARDIAC_UQ_AUDIT_KEY is not set here: cannot verify \(this is not a broken chain\) \[KEY_MISSING\]$/m,
      );
      const wrong = await verified(db.url, { CARDIAC_UQ_AUDIT_KEY: OTHER_KEY });
      expect(wrong.code).toBe(2);
      expect(wrong.out).toMatch(/\[KEY_UNKNOWN\]/);
      expect((await verified(db.url, { CARDIAC_UQ_AUDIT_KEY: 'short' })).code).toBe(2);

      // A process without the key refuses to extend the keyed chain with plain links.
      const store = createStore(db.url);
      await expect(
        store.$transaction((tx) =>
          appendAudit(tx, { actor: 'x', action: 'test.event', entity: 'Run' }, { current: null, byId: new Map() }),
        ),
      ).rejects.toThrow(/HMAC-linked .* CARDIAC_UQ_AUDIT_KEY is not set/);
      await store.$disconnect();

      // The superuser edits event 5 and re-hashes the rest, without the key: plain hashes keeping the
      // key ids, or the key ids dropped, or under a guessed key.
      await bypassed(db.url, 'UPDATE "AuditEvent" SET actor = \'mallory\' WHERE seq = 5');
      await rehashFrom(db.url, 5);
      const plain = await verified(db.url, keyEnv);
      expect(plain.code).toBe(3);
      expect(plain.out).toMatch(
        /^BROKEN: audit event 5 is the first broken one: its content does not match its HMAC under the audit key .*\[HASH_MISMATCH\]/m,
      );
      await rehashFrom(db.url, 5, { secret: Buffer.from(OTHER_KEY) });
      expect((await verified(db.url, keyEnv)).out).toMatch(
        /audit event 5 is the first broken one: .*\[HASH_MISMATCH\]/,
      );
      await rehashFrom(db.url, 5, { dropKeyId: true });
      const unkeyed = await verified(db.url, keyEnv);
      expect(unkeyed.code).toBe(3);
      expect(unkeyed.out).toMatch(
        /BROKEN: audit event 5 is the first broken one: it is linked by a plain hash although events from 1 on are HMAC-linked/,
      );
      await rehashFrom(db.url, 1, { dropKeyId: true });
      const allPlain = await verified(db.url, keyEnv);
      expect(allPlain.code).toBe(3);
      expect(allPlain.out).toMatch(
        /BROKEN: audit event 1 is the first broken one: no event is HMAC-linked although CARDIAC_UQ_AUDIT_KEY is set/,
      );
    } finally {
      await db.drop();
    }
  });

  test('key rotation: events name their key; verify needs the old keys in CARDIAC_UQ_AUDIT_OLD_KEYS', async () => {
    const db = await createDatabase(embedded);
    try {
      await withKeyInEnv(KEY, () => seedStore(db.url));
      const store = createStore(db.url);
      await withKeyInEnv(OTHER_KEY, () =>
        store.$transaction((tx) => appendAudit(tx, { actor: 'ops', action: 'test.rotated', entity: 'Run' })),
      );
      await store.$disconnect();
      const both = await verified(db.url, { CARDIAC_UQ_AUDIT_KEY: OTHER_KEY, CARDIAC_UQ_AUDIT_OLD_KEYS: KEY });
      expect(both.code).toBe(0);
      expect(both.out).toMatch(/^OK: 8 audit events chain correctly \(HMAC-SHA-256 with the audit key from event 1\)/m);
      const newOnly = await verified(db.url, { CARDIAC_UQ_AUDIT_KEY: OTHER_KEY });
      expect(newOnly.code).toBe(2);
      expect(newOnly.out).toMatch(
        /^CANNOT VERIFY: audit event 1 is HMAC-linked with audit key id [0-9a-f]{16}, which is neither CARDIAC_UQ_AUDIT_KEY \(id [0-9a-f]{16}\) nor one of CARDIAC_UQ_AUDIT_OLD_KEYS: the key is wrong \(or the event's key id was edited\); cannot verify \[KEY_UNKNOWN\]$/m,
      );
    } finally {
      await db.drop();
    }
  });
});

// pg_dump/pg_restore come with a machine's PostgreSQL (the embedded server ships none). The README's
