/**
 * A segmentation's lineage (src/store/lineage.ts) on a store written by the platform's own writers
 * (test/security/integrity-seed.ts: storeDataset, writeShard, the training job's checkpoint event),
 * then changed behind the triggers' back as a database owner could: each change turns exactly the
 * link it touches from VERIFIED to MISMATCH or BROKEN, and the others stay VERIFIED.
 */
import crypto from 'node:crypto';
import { audit } from '../../src/db/audit';
import { createStore, type Store } from '../../src/db/client';
import { readLineage, type Lineage } from '../../src/store/lineage';
import { createDatabase, testServers } from '../support/databases';
import { bypassed, seedStore, sql, type Seeded } from '../security/integrity-seed';

describe('lineage of a stored segmentation', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let seeded: Seeded;

  const statuses = (l: Lineage | null) => Object.fromEntries(l!.links.map((x) => [x.name, x.status]));

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    seeded = await seedStore(db.url);
    store = createStore(db.url);
    // The seed makes its runs directly; record the training run as createRun does (src/store/runs.ts).
    const training = await store.run.findUniqueOrThrow({ where: { id: seeded.trainingRunId } });
    await audit(store, {
      actor: training.createdBy,
      action: 'run.created',
      entity: 'Run',
      entityId: training.id,
      details: { kind: 'TRAIN', method: 'PLAIN', config: training.config as object, seed: 1, parentRunId: null },
    });
  });

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  test('every link the platform recorded verifies; what no event records says so; unknown ids give null', async () => {
    const [first] = seeded.shards[1];
    const lineage = await readLineage(store, first);
    expect(statuses(lineage)).toEqual({
      'slice → content hash': 'VERIFIED',
      'slice → dataset': 'VERIFIED',
      'segmentation → evaluation shard': 'VERIFIED',
      'evaluation → checkpoints': 'UNRECORDED',
      'checkpoint 0 (SHA-256) → training run': 'VERIFIED',
      'training run → configuration, seed, actor': 'VERIFIED',
      'evaluation run → configuration, seed, actor': 'UNRECORDED',
    });
    expect(lineage!.dataset.id).toBe(seeded.datasetId);
    expect(lineage!.checkpoints.map((c) => [c.id, c.weightsSha256])).toEqual([[seeded.checkpointId, 'ab'.repeat(32)]]);
    expect(lineage!.training).toMatchObject({ id: seeded.trainingRunId, seed: 1, actor: 'alice', codeVersion: 'test' });
    expect(lineage!.shard).toBe(1);
    expect(await readLineage(store, crypto.randomUUID())).toBeNull();
  });

  test('an edited metric, slice, run or audit event breaks exactly its own link', async () => {
    const [inShard0] = seeded.shards[0];
    const [inShard1] = seeded.shards[1];
    // A metric of shard 1 edited: shard 1's predictions lose their shard link, shard 0's keep it.
    await bypassed(db.url, 'UPDATE "StructureMetric" SET dice = 0.99 WHERE "predictionId" = $1', [inShard1]);
    expect(statuses(await readLineage(store, inShard1))['segmentation → evaluation shard']).toBe('MISMATCH');
    expect(statuses(await readLineage(store, inShard0))['segmentation → evaluation shard']).toBe('VERIFIED');

    // A slice's image bytes edited: its content hash no longer matches, nor does the dataset's digest.
    const { sliceId } = await store.prediction.findUniqueOrThrow({
      where: { id: inShard0 },
      select: { sliceId: true },
    });
    const [slice] = (
      await sql(db.url, 'SELECT rows, cols, "spacingXMm", "spacingYMm", image, label FROM "Slice" WHERE id = $1', [
        sliceId,
      ])
    ).rows;
    const image = Buffer.from(slice.image);
    image[0] ^= 0xff;
    await bypassed(db.url, 'UPDATE "Slice" SET image = $2 WHERE id = $1', [sliceId, image]);
    // The hash the stored bytes now give, by the definition (dims, spacing, image, label), by hand.
    const rehashed = crypto
      .createHash('sha256')
      .update(`${slice.rows}x${slice.cols}@${slice.spacingXMm},${slice.spacingYMm}\n`)
      .update(image)
      .update(slice.label)
      .digest('hex');
    const afterSlice = await readLineage(store, inShard0);
    expect(statuses(afterSlice)['slice → content hash']).toBe('MISMATCH');
    expect(afterSlice!.links[0].detail).toBe(`the stored bytes hash to ${rehashed}`);
    expect(statuses(afterSlice)['slice → dataset']).toBe('MISMATCH');

    // The training run's configuration edited.
    await bypassed(db.url, `UPDATE "Run" SET config = '{"preset":"paper"}' WHERE id = $1`, [seeded.trainingRunId]);
    expect(statuses(await readLineage(store, inShard0))['training run → configuration, seed, actor']).toBe('MISMATCH');

    // The checkpoint's audit event edited: the event itself fails, whatever the rows say.
    await bypassed(
      db.url,
      `UPDATE "AuditEvent" SET details = replace(details, '"runId"', '"runid"') WHERE action = 'checkpoint.stored'`,
    );
    const broken = (await readLineage(store, inShard0))!.links.find((l) => l.name.startsWith('checkpoint 0'))!;
    expect([broken.status, broken.reason]).toEqual(['BROKEN', 'HASH_MISMATCH']);
  });
});
