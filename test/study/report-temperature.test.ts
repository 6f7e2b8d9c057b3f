/**
 * The report's "Temperature scaling: calibration before and after" on a small seeded store, read
 * through the in-process GraphQL client as the report reads it: a tempered (+TS) evaluation pairs
 * with the untempered one of the same training, dataset, split, distortion, T and TTA, and only
 * with it; its NLL and Brier are the stored slices' means, and the interval of the change is the
 * brute-force bootstrap of the per-resample difference over the seeded subject draws.
 *
 * Store: 4 TEST subjects × 3 slices, one training, its evaluation E0 (T = 5); E1 = E0 tempered
 * (every slice's NLL halved, Brier × 0.8, the same histogram); E2 = tempered with TTA (no untempered
 * TTA twin: unpaired); E3 = untempered on all of the dataset (split null: not E1's twin).
 */
import { createStore, type Store } from '../../src/db/client';
import { loadConfig } from '../../src/config';
import { subjectDraws } from '../../src/engine/statistics/bootstrap';
import { REPORT_BOOTSTRAP } from '../../src/report/analysis';
import type { ReportData } from '../../src/report/collect';
import { inProcessClient, type GqlClient } from '../../src/report/graphql-client';
import { sliceValues } from '../../src/report/slice-values';
import { temperatureBlocks, temperaturePairs } from '../../src/report/temperature-scaling';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticStudy, type SyntheticStudy } from '../support/synthetic-store';

let db: Awaited<ReturnType<typeof createDatabase>>;
let store: Store;
let gql: GqlClient;
let seeded: SyntheticStudy;
const ids: Record<'E1' | 'E2' | 'E3', string> = { E1: '', E2: '', E3: '' };

/** A copy of E0 under another EVALUATE run: NLL × nll, Brier × brier. */
async function twin(name: keyof typeof ids, config: Record<string, unknown>, split: 'TEST' | null, nll = 1, brier = 1) {
  const run = await store.run.create({
    data: {
      kind: 'EVALUATE',
      method: 'MC_DROPOUT',
      config: { slices: seeded.sliceIds.length, trainingRunId: seeded.trainingRunId, ...config },
      seed: 2,
      status: 'SUCCEEDED',
      progress: 1,
      codeVersion: 'seed',
      createdBy: 'seed',
      datasetId: seeded.datasetId,
    },
  });
  const e = await store.evaluation.create({
    data: {
      runId: run.id,
      trainingRunId: seeded.trainingRunId,
      datasetId: seeded.datasetId,
      split,
      samples: 5,
      calibrationBins: 15,
      metricVersion: 1,
    },
  });
  await store.$executeRaw`
    INSERT INTO "Prediction" (id, "evaluationId", "sliceId", shard, "labelMap")
    SELECT gen_random_uuid(), ${e.id}::uuid, "sliceId", 0, "labelMap" FROM "Prediction" WHERE "evaluationId" = ${seeded.evaluationId}::uuid`;
  await store.$executeRaw`
    INSERT INTO "StructureMetric" ("predictionId", "evaluationId", structure, status, dice, "assdMm", "hdMm", "hd95Mm", "diceWithin", "assdWithinMm", poor, "metricVersion")
    SELECT n.id, n."evaluationId", sm.structure, sm.status, sm.dice, sm."assdMm", sm."hdMm", sm."hd95Mm", sm."diceWithin", sm."assdWithinMm", sm.poor, 1
    FROM "StructureMetric" sm JOIN "Prediction" o ON o.id = sm."predictionId" JOIN "Prediction" n ON n."sliceId" = o."sliceId" AND n."evaluationId" = ${e.id}::uuid
    WHERE o."evaluationId" = ${seeded.evaluationId}::uuid`;
  await store.$executeRaw`
    INSERT INTO "ImageMetric" ("predictionId", "evaluationId", nll, brier, entropy, mi, pixels, "binCounts", "binConfidenceSum", "binCorrect", "metricVersion")
    SELECT n.id, n."evaluationId", im.nll * ${nll}, im.brier * ${brier}, im.entropy, im.mi, im.pixels, im."binCounts", im."binConfidenceSum", im."binCorrect", 1
    FROM "ImageMetric" im JOIN "Prediction" o ON o.id = im."predictionId" JOIN "Prediction" n ON n."sliceId" = o."sliceId" AND n."evaluationId" = ${e.id}::uuid
    WHERE o."evaluationId" = ${seeded.evaluationId}::uuid`;
  ids[name] = e.id;
}

beforeAll(async () => {
  db = await createDatabase(testServers()[0]);
  store = createStore(db.url);
  seeded = await seedSyntheticStudy(store, { subjects: 4, slicesPerSubject: 3, size: 8, seed: 5 });
  await twin('E1', { temperatureScaling: { fitId: 'fit-1', temperature: 1.5 } }, 'TEST', 0.5, 0.8);
  await twin('E2', { temperatureScaling: { fitId: 'fit-1', temperature: 1.5 }, testTimeAugmentation: true }, 'TEST');
  await twin('E3', {}, null);
  const config = loadConfig({ ...process.env, DATABASE_URL: db.url, CARDIAC_UQ_ACTOR: 'test-actor' });
  gql = await inProcessClient({ store, boss: {} as never, config, databaseDescription: 'test' });
}, 120000);

afterAll(async () => {
  await store?.$disconnect();
  await db?.drop();
});

describe('report: temperature scaling before and after', () => {
  test('each +TS evaluation pairs with the untempered one of the same setting, only with it', async () => {
    const training = { run: { id: seeded.trainingRunId }, label: 'MCD-0.1', repeat: 0 } as never;
    const pairs = await temperaturePairs(gql, [training]);
    expect(pairs.map((p) => [p.before.id, p.after.id, p.temperature, p.split])).toEqual([
      [seeded.evaluationId, ids.E1, 1.5, 'TEST'],
    ]);
    expect(pairs[0].after.variant).toMatch(/\+TS$/);
    expect(pairs[0].before.variant).not.toMatch(/\+TS/);
  });

  test('NLL and Brier before and after are the stored means; the change interval is the brute-force paired bootstrap', async () => {
    const training = { run: { id: seeded.trainingRunId }, label: 'MCD-0.1', repeat: 0 } as never;
    const temperature = await temperaturePairs(gql, [training]);
    const slices = new Map([
      [seeded.evaluationId, await sliceValues(gql, seeded.evaluationId)],
      [ids.E1, await sliceValues(gql, ids.E1)],
    ]);
    const blocks = temperatureBlocks({ temperature, slices } as unknown as ReportData);
    const table = blocks.find((b) => b.type === 'table') as { header: string[]; rows: string[][] };
    expect(table.rows).toHaveLength(1);
    const row = Object.fromEntries(table.header.map((h, i) => [h, table.rows[0][i]]));

    // Independent: the stored rows, grouped by subject (ids sorted), and the engine's seeded draws.
    const rows = await store.$queryRaw<Array<{ subjectId: string; nll: number; brier: number }>>`
      SELECT s."subjectId", im.nll, im.brier FROM "ImageMetric" im JOIN "Prediction" p ON p.id = im."predictionId" JOIN "Slice" s ON s.id = p."sliceId"
      WHERE im."evaluationId" = ${seeded.evaluationId}::uuid`;
    const subjects = [...new Set(rows.map((r) => r.subjectId))].sort();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const nll = mean(rows.map((r) => r.nll));
    const brier = mean(rows.map((r) => r.brier));
    const f4 = (x: number) => x.toFixed(4);
    expect(row['NLL before']).toMatch(new RegExp(`^${f4(nll)} \\[`));
    expect(row['NLL after']).toMatch(new RegExp(`^${f4(nll / 2)} \\[`));
    expect(row['Brier after']).toMatch(new RegExp(`^${f4(brier * 0.8)} \\[`));
    expect(row.T).toBe('1.500');

    const changes = [...subjectDraws(subjects.length, REPORT_BOOTSTRAP.resamples, REPORT_BOOTSTRAP.seedA)]
      .map((d) => {
        const drawn = d.flatMap((i) => rows.filter((r) => r.subjectId === subjects[i]));
        return -mean(drawn.map((r) => r.nll)) / 2; // after − before = −NLL/2 per slice
      })
      .sort((a, b) => a - b);
    const q = (p: number) => {
      const h = p * (changes.length - 1);
      const lo = Math.floor(h);
      return changes[lo] + (h - lo) * (changes[lo + 1] - changes[lo]);
    };
    const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
    expect(row['Δ NLL']).toBe(`${signed(-nll / 2)} [${signed(q(0.025))}, ${signed(q(0.975))}]`);
    // The same histograms: ECE unchanged, its change exactly 0 in every resample.
    expect(row['Δ ECE']).toBe('+0.0000 [+0.0000, +0.0000]');
    const finding = blocks[blocks.length - 1] as { text: string };
    expect(finding.text).toContain('lowered NLL for 1 (raised for 0, inconclusive for 0)');
    expect(finding.text).toContain('ECE for 0 (raised for 0, inconclusive for 1)');
  });

  test('without tempered evaluations the section says so', () => {
    const blocks = temperatureBlocks({ temperature: [], slices: new Map() } as unknown as ReportData);
    expect(blocks).toHaveLength(2);
    expect((blocks[1] as { text: string }).text).toMatch(/^None: the store holds no tempered \(\+TS\) evaluation/);
  });
});
