/**
 * The shard writer's multi-row inserts (src/store/write-shard.ts): every value comes back as given
 * (nulls, +∞-free floats to the last bit, the reliability, per-class and fine histograms per row), and a shard is
 * written exactly once — a second or concurrent attempt writes nothing, a bad row writes nothing.
 * The digest its audit event records (computed from the rows it writes) is the digest of the rows
 * read back (db/result-digest.ts shardDigest, what `audit verify` recomputes), for shards with
 * every optional part, nulls, and floats at the edges of the double range.
 */
import { createStore, type Store } from '../../src/db/client';
import { verifyAuditChain } from '../../src/db/audit';
import { shardDigest } from '../../src/db/result-digest';
import { STRUCTURES, type Structure } from '../../src/engine/data/types';
import type { RegionTopology } from '../../src/engine/plausibility/connected-components';
import { createRng } from '../../src/engine/random';
import type { SliceEvaluation } from '../../src/engine/metrics/slice-evaluation';
import { writeShard, type ShardRow } from '../../src/store/write-shard';
import { classwiseHistograms } from '../../src/engine/metrics/classwise-calibration-error';
import { fineConfidenceHistogram } from '../../src/engine/metrics/fine-confidence-histogram';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticResults } from '../support/synthetic-results';

function result(rng: ReturnType<typeof createRng>): SliceEvaluation {
  const structure = () => {
    const assd = rng.uniform() < 0.3 ? null : rng.range(0.2, 4);
    return {
      status: assd === null ? ('PRED_EMPTY' as const) : ('OK' as const),
      dice: rng.uniform(),
      assdMm: assd,
      hdMm: assd && assd * 3,
      hd95Mm: assd && assd * 2,
      diceWithin: rng.uniform(),
      assdWithinMm: rng.uniform() < 0.3 ? null : rng.range(0, 2),
      poor: assd === null || assd > 1.5,
    };
  };
  const count = Array.from({ length: 15 }, () => Math.floor(rng.range(0, 100)));
  return {
    meanLabels: new Uint8Array(6),
    structures: { LV: structure(), MYO: structure(), RV: structure() },
    nll: rng.uniform(),
    brier: rng.uniform(),
    entropy: rng.uniform(),
    mi: rng.uniform() / 7,
    histogram: {
      bins: 15,
      count,
      sumConfidence: count.map((c) => c * rng.uniform()),
      sumCorrect: count.map((c) => Math.floor(c * rng.uniform())),
    },
  };
}

describe('writeShard', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let sliceIds: string[];
  let evaluationId: string;
  let runId: string;

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    const seeded = await seedSyntheticResults(store, { slices: 56, evaluations: 0 });
    sliceIds = (await store.slice.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);
    const run = await store.run.create({
      data: { kind: 'EVALUATE', config: {}, codeVersion: 'test', createdBy: 'test' },
    });
    runId = run.id;
    evaluationId = (
      await store.evaluation.create({
        data: { runId, trainingRunId: seeded.trainingRunId, datasetId: seeded.datasetId, samples: 5, metricVersion: 1 },
      })
    ).id;
  }, 60000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  const shard = (n: number, rows: ShardRow[]) => ({
    runId,
    evaluationId,
    shard: n,
    actor: 'test',
    backend: 'cpu',
    rows,
  });

  test('every value is stored as given', async () => {
    const rng = createRng(3, 'write-shard');
    const rows = sliceIds.slice(0, 16).map((sliceId) => ({ sliceId, result: result(rng), sampleLabels: [] }));
    expect(await writeShard(store, shard(0, rows))).toBe(true);
    for (const { sliceId, result: r } of rows) {
      const p = await store.prediction.findUniqueOrThrow({
        where: { evaluationId_sliceId: { evaluationId, sliceId } },
        include: { structures: true, image: true },
      });
      for (const structure of STRUCTURES) {
        const m = p.structures.find((x) => x.structure === structure)!;
        const e = r.structures[structure];
        expect([
          m.status,
          m.dice,
          m.assdMm,
          m.hdMm,
          m.hd95Mm,
          m.diceWithin,
          m.assdWithinMm,
          m.poor,
          m.metricVersion,
        ]).toEqual([e.status, e.dice, e.assdMm, e.hdMm, e.hd95Mm, e.diceWithin, e.assdWithinMm, e.poor, 1]);
      }
      expect(p.image).toMatchObject({
        nll: r.nll,
        brier: r.brier,
        entropy: r.entropy,
        mi: r.mi,
        pixels: 6,
        binCounts: r.histogram.count,
        binConfidenceSum: r.histogram.sumConfidence,
        binCorrect: r.histogram.sumCorrect,
        // Prisma reads a null list as [] (the SQL below tells the two apart).
        classBinCounts: [],
        fineBinIndex: [],
      });
    }
    // Rows without the class and fine histograms and plausibility (as stored before them) keep those columns null.
    const [nulls] = await store.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM "ImageMetric" WHERE "evaluationId" = ${evaluationId}::uuid AND "classBinCounts" IS NULL AND "fineBinIndex" IS NULL AND "fineBinMax" IS NULL AND "lvExposed" IS NULL AND "rvLvContact" IS NULL`;
    expect(nulls.n).toBe(16);
    const [noTopology] = await store.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM "StructureMetric" WHERE "evaluationId" = ${evaluationId}::uuid AND components IS NULL AND holes IS NULL`;
    expect(noTopology.n).toBe(48);
  });

  test('class and fine histograms are stored per row as given, each row its own number of fine bins', async () => {
    const rng = createRng(6, 'write-shard');
    const rows = sliceIds.slice(40, 56).map((sliceId) => {
      const pixels = 1 + Math.floor(rng.range(0, 40));
      const probs = Array.from({ length: pixels }, () => {
        const raw = [0, 1, 2, 3].map(() => rng.uniform() ** 6);
        const sum = raw.reduce((a, b) => a + b, 0);
        return raw.map((x) => x / sum);
      }).flat();
      const labels = Array.from({ length: pixels }, () => Math.floor(rng.range(0, 4)));
      return {
        sliceId,
        sampleLabels: [],
        result: {
          ...result(rng),
          classHistograms: classwiseHistograms(probs, labels, pixels, 4, 15),
          confidenceHistogram: fineConfidenceHistogram(probs, labels, pixels, 4),
          plausibility: {
            topology: Object.fromEntries(
              STRUCTURES.map((k) => [
                k,
                { components: Math.floor(rng.range(0, 4)), holes: Math.floor(rng.range(0, 3)) },
              ]),
            ) as Record<Structure, RegionTopology>,
            lvExposed: Math.floor(rng.range(0, 50)),
            myoClosed: null,
            rvLvContact: Math.floor(rng.range(0, 9)),
          },
        },
      };
    });
    expect(await writeShard(store, shard(3, rows))).toBe(true);
    for (const { sliceId, result: r } of rows) {
      const p = await store.prediction.findUniqueOrThrow({
        where: { evaluationId_sliceId: { evaluationId, sliceId } },
        include: { image: true, structures: true },
      });
      const q = r.plausibility!;
      for (const m of p.structures)
        expect([m.structure, m.components, m.holes]).toEqual([
          m.structure,
          q.topology[m.structure].components,
          q.topology[m.structure].holes,
        ]);
      const c = r.classHistograms!;
      const f = r.confidenceHistogram!;
      expect(p.image).toMatchObject({
        classBinCounts: c.flatMap((h) => h.count),
        classBinProbabilitySum: c.flatMap((h) => h.sumConfidence),
        classBinHits: c.flatMap((h) => h.sumCorrect),
        fineBinIndex: f.index,
        fineBinCounts: f.count,
        fineBinConfidenceSum: f.sumConfidence,
        fineBinCorrect: f.sumCorrect,
        fineBinMin: f.min,
        fineBinMax: f.max,
        lvExposed: q.lvExposed,
        rvLvContact: q.rvLvContact,
      });
    }
  });

  test('a shard is written exactly once: again, or twice at once, writes nothing more', async () => {
    const rng = createRng(4, 'write-shard');
    const rows = sliceIds.slice(16, 32).map((sliceId) => ({ sliceId, result: result(rng), sampleLabels: [] }));
    const counts = async () => [
      await store.prediction.count({ where: { evaluationId } }),
      await store.structureMetric.count({ where: { evaluationId } }),
      await store.imageMetric.count({ where: { evaluationId } }),
    ];
    const before = await counts();
    const outcomes = await Promise.all([writeShard(store, shard(1, rows)), writeShard(store, shard(1, rows))]);
    expect(outcomes.sort()).toEqual([false, true]);
    expect(await writeShard(store, shard(1, rows))).toBe(false);
    expect(await counts()).toEqual([before[0] + 16, before[1] + 48, before[2] + 16]);
  });

  test('the digest recorded is the digest of the rows read back, whatever the shard holds', async () => {
    // A second evaluation with checkpoint links and a split, so its row's every field is digested.
    const run = await store.run.create({
      data: { kind: 'EVALUATE', config: {}, codeVersion: 'test', createdBy: 'test' },
    });
    const training = await store.run.create({
      data: { kind: 'TRAIN', config: {}, codeVersion: 'test', createdBy: 'test' },
    });
    const checkpoints = await Promise.all(
      [0, 1, 2].map((member) =>
        store.checkpoint.create({
          data: { runId: training.id, member, epoch: 1, valNll: 0.5, weightsSha256: 'x', config: {}, backend: 'cpu' },
        }),
      ),
    );
    const datasetId = (await store.evaluation.findUniqueOrThrow({ where: { id: evaluationId } })).datasetId;
    const other = await store.evaluation.create({
      data: {
        runId: run.id,
        trainingRunId: training.id,
        datasetId,
        split: 'TEST',
        distortionKind: 'NOISE',
        distortionLevel: 2,
        samples: 3,
        storeSamples: true,
        metricVersion: 1,
        checkpoints: { create: checkpoints.map((c) => ({ checkpointId: c.id })) },
      },
    });
    const rng = createRng(7, 'write-shard digest');
    // Doubles whose text is long, tiny, huge, subnormal or negative zero: each must come back the same.
    const edges = [
      0.1 + 0.2,
      1 / 3,
      1e-300,
      5e-324,
      2.2250738585072014e-308,
      1.7976931348623157e308,
      -0,
      -1.5e-7,
      123456789.12345679,
    ];
    const edge = (i: number) => edges[i % edges.length];
    const full = sliceIds.slice(0, 16).map((sliceId, i): ShardRow => {
      const r = result(rng);
      const pixels = 6;
      const probs = Array.from({ length: pixels }, () => [0.7, 0.1, 0.1, 0.1]).flat();
      const labels = [0, 1, 2, 3, 0, 1];
      return {
        sliceId,
        sampleLabels: [
          new Uint8Array([0, 1, 2, 3, 0, i % 4]),
          new Uint8Array([i % 4, 0, 0, 0, 0, 0]),
          new Uint8Array(6),
        ],
        counts: {
          pixels: { LV: i, MYO: 2 * i, RV: 3 },
          samplePixels: [0, 1, 2].map((t) => ({ LV: i + t, MYO: t, RV: 0 })),
          gtPixels: i % 3 === 0 ? null : { LV: 1, MYO: 2, RV: i },
        },
        result: {
          ...r,
          nll: edge(i),
          mi: edge(i + 1),
          structures: {
            ...r.structures,
            MYO: { ...r.structures.MYO, dice: edge(i + 2), hdMm: i % 2 ? null : edge(i + 3) },
          },
          entropyMap: Float64Array.from({ length: pixels }, (_, k) => (k * 0.2 + i * 0.01) % 1.3),
          miMap: Float64Array.from({ length: pixels }, (_, k) => (k * 0.05) % 0.4),
          histogram: {
            ...r.histogram,
            sumConfidence: r.histogram.sumConfidence.map((v, b) => (b === 0 ? edge(i + 4) : v)),
          },
          classHistograms: classwiseHistograms(probs, labels, pixels, 4, 15),
          // A row whose fine histogram is empty stores an empty list, which reads back as none.
          confidenceHistogram:
            i === 5
              ? { bins: 0, count: [], sumConfidence: [], sumCorrect: [], index: [], min: [], max: [] }
              : fineConfidenceHistogram(probs, labels, pixels, 4),
          plausibility: {
            topology: {
              LV: { components: 1, holes: 0 },
              MYO: { components: i, holes: i % 2 },
              RV: { components: 0, holes: 0 },
            },
            lvExposed: i,
            myoClosed: null,
            rvLvContact: i % 3,
          },
        },
      };
    });
    // Counts without samples (T = 0) and without ground truth, no maps, no optional histograms.
    const bare = sliceIds.slice(16, 32).map((sliceId): ShardRow => ({
      sliceId,
      sampleLabels: [],
      result: result(rng),
      counts: { pixels: { LV: 1, MYO: 0, RV: 2 }, samplePixels: [], gtPixels: null },
    }));
    const write = (n: number, rows: ShardRow[]) =>
      writeShard(store, { runId: run.id, evaluationId: other.id, shard: n, actor: 'test', backend: 'cpu', rows });
    expect(await write(0, full)).toBe(true);
    expect(await write(1, bare)).toBe(true);
    expect(await write(2, [])).toBe(true);
    const events = await store.auditEvent.findMany({
      where: { action: 'evaluation.shard.stored', entityId: other.id },
      orderBy: { seq: 'asc' },
    });
    expect(events).toHaveLength(3);
    for (const [n, event] of events.entries()) {
      const details = JSON.parse(event.details);
      expect(details.shard).toBe(n);
      expect(details.digest).toBe(await shardDigest(store, other.id, n));
    }
    // The values did round-trip (so the digests above compared equal values, not two coincidences).
    const p = await store.prediction.findUniqueOrThrow({
      where: { evaluationId_sliceId: { evaluationId: other.id, sliceId: sliceIds[3] } },
      include: { image: true },
    });
    expect([p.image!.nll, p.image!.mi]).toEqual([5e-324, 2.2250738585072014e-308]);
    // Every edge value comes back (−0 as 0: String(−0) is '0', and both digest as "d0;").
    const structuresBack = await store.structureMetric.findMany({
      where: { evaluationId: other.id, structure: 'MYO' },
    });
    expect(new Set(structuresBack.map((m) => m.dice).filter((d) => edges.includes(d))).size).toBe(edges.length);
    const chain = await verifyAuditChain(store, { results: false });
    expect(chain.ok).toBe(true);
    // A change behind the writer's back changes the read-back digest: the comparison is not vacuous.
    const recorded = JSON.parse(events[1].details).digest;
    await store.$executeRawUnsafe(`ALTER TABLE "StructureMetric" DISABLE TRIGGER "StructureMetric_immutable"`);
    await store.$executeRaw`UPDATE "StructureMetric" SET dice = dice + 1e-12 WHERE "evaluationId" = ${other.id}::uuid AND "predictionId" IN (SELECT id FROM "Prediction" WHERE "evaluationId" = ${other.id}::uuid AND shard = 1) AND structure = 'LV'`;
    await store.$executeRawUnsafe(`ALTER TABLE "StructureMetric" ENABLE TRIGGER "StructureMetric_immutable"`);
    expect(await shardDigest(store, other.id, 1)).not.toBe(recorded);
  });

  test('values the digest takes as given are refused when Postgres would coerce them', async () => {
    const rng = createRng(8, 'write-shard');
    const rows = sliceIds
      .slice(0, 2)
      .map((sliceId) => ({ sliceId, result: result(rng), sampleLabels: [] as Uint8Array[] }));
    const bad = (f: (r: SliceEvaluation) => void) => {
      const copy = structuredClone(rows);
      f(copy[1].result);
      return writeShard(store, shard(9, copy));
    };
    await expect(bad((r) => ((r.structures.LV as unknown as { poor: unknown }).poor = 1))).rejects.toThrow(/boolean/);
    await expect(bad((r) => ((r as unknown as { nll: unknown }).nll = '0.5'))).rejects.toThrow(/number/);
    await expect(
      writeShard(
        store,
        shard(9, [{ ...rows[0], counts: { pixels: { LV: 1.5, MYO: 0, RV: 0 }, samplePixels: [], gtPixels: null } }]),
      ),
    ).rejects.toThrow(/integer/);
    await expect(writeShard(store, shard(9, [{ ...rows[0], sliceId: rows[0].sliceId.toUpperCase() }]))).rejects.toThrow(
      /UUID/,
    );
    expect(await store.prediction.count({ where: { evaluationId, shard: 9 } })).toBe(0);
  });

  test('a bad row writes nothing of its shard', async () => {
    const rng = createRng(5, 'write-shard');
    const rows = sliceIds.slice(32, 40).map((sliceId) => ({ sliceId, result: result(rng), sampleLabels: [] }));
    rows[3].result.histogram.count = rows[3].result.histogram.count.slice(1);
    await expect(writeShard(store, shard(2, rows))).rejects.toThrow(/calibration bins/);
    expect(await store.prediction.count({ where: { evaluationId, shard: 2 } })).toBe(0);
  });
});
