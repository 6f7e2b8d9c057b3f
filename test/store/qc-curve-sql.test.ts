/**
 * Live QC curves (the steps grouped in SQL, src/store/qc-curve-sql.ts, made into a curve by
 * services/evaluation-analytics.ts liveQcCurve) against the engine's qcCurve and reviewFractionAt
 * over the rows themselves: random synthetic evaluations with many tied scores, +∞ scores (undefined ASSD
 * within) and both phases, every measure and structure, the slice-position score, a scope; then
 * the thinning rule of `maxPoints`.
 */
import { createStore, type Store } from '../../src/db/client';
import { qcCurve, reviewFractionAt, slicePositionBaseline } from '../../src/engine/metrics/qc-curve';
import { STRUCTURES, UNCERTAINTY_MEASURES } from '../../src/domain/constants';
import { liveQcCurve } from '../../src/services/evaluation-analytics';
import { POSITION_SCORE_SQL, qcRows, SCORE_SQL } from '../../src/store/evaluation-queries';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticResults, type SyntheticStore } from '../support/synthetic-results';

const TARGETS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1];

describe.each(testServers())('QC curves in SQL on $name Postgres', (server) => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let tied: SyntheticStore;
  let distinct: SyntheticStore;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    tied = await seedSyntheticResults(store, { slices: 1500, evaluations: 1, ties: true, seed: 0.25, sliceCount: 11 });
    distinct = await seedSyntheticResults(store, { slices: 700, evaluations: 1, seed: 0.75, sliceCount: 8 });
  }, 60000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  test.each(['tied', 'distinct'])('every measure and structure equals the engine (%s scores)', async (which) => {
    const evaluationId = (which === 'tied' ? tied : distinct).evaluationIds[0];
    for (const structure of STRUCTURES) {
      for (const measure of UNCERTAINTY_MEASURES) {
        const rows = await qcRows(store, evaluationId, structure, measure);
        const engine = qcCurve(
          rows.map((r) => r.score),
          rows.map((r) => r.poor),
        );
        const source = { evaluationId, structure, score: SCORE_SQL[measure] };
        const sql = (await liveQcCurve(store, source, 1e6))!;
        expect(sql.n).toBe(engine.n);
        expect(sql.poor).toBe(engine.poor);
        expect(sql.points.map((p) => [p.flagged, p.remaining])).toEqual(engine.points);
        expect(sql.auc).toBe(engine.auc);
        for (const target of TARGETS) expect(sql.reviewAtFn(target)).toBe(reviewFractionAt(engine.points, target));
        if (which === 'tied') expect(engine.points.length).toBeLessThan(rows.length / 10);
      }
    }
  });

  test('the slice-position score and a scope', async () => {
    const evaluationId = tied.evaluationIds[0];
    const rows = await store.$queryRaw<Array<{ poor: boolean; i: number; n: number; phase: string; group: string }>>`
      SELECT sm.poor, s."sliceIndex" AS i, s."sliceCount" AS n, s.phase::text AS phase, su."group"
      FROM "StructureMetric" sm JOIN "Prediction" p ON p.id = sm."predictionId" JOIN "Slice" s ON s.id = p."sliceId" JOIN "Subject" su ON su.id = s."subjectId"
      WHERE sm."evaluationId" = ${evaluationId}::uuid AND sm.structure = 'RV'`;
    const kept = rows.filter((r) => r.phase === 'ES' && r.group === 'DCM');
    const engine = slicePositionBaseline(
      kept.map((r) => r.i),
      kept.map((r) => r.n),
      kept.map((r) => r.poor),
    );
    const source = {
      evaluationId,
      structure: 'RV' as const,
      score: POSITION_SCORE_SQL,
      slice: true,
      scope: { phase: 'ES' as const, group: 'DCM' },
    };
    const sql = (await liveQcCurve(store, source, 1e6))!;
    expect(kept.length).toBeGreaterThan(100);
    expect(sql.n).toBe(kept.length);
    expect(sql.points.map((p) => [p.flagged, p.remaining])).toEqual(engine.points);
    expect(sql.auc).toBe(engine.auc);
    for (const target of TARGETS) expect(sql.reviewAtFn(target)).toBe(reviewFractionAt(engine.points, target));
    expect(await liveQcCurve(store, { ...source, scope: { site: 'nowhere' } }, 10)).toBeNull();
  });

  test('maxPoints keeps the start, (1, 0) and the last point of each of maxPoints − 1 equal bins of the flagged axis', async () => {
    const evaluationId = distinct.evaluationIds[0];
    const rows = await qcRows(store, evaluationId, 'LV', 'ENTROPY');
    const full = qcCurve(
      rows.map((r) => r.score),
      rows.map((r) => r.poor),
    );
    for (const maxPoints of [2, 3, 10, 101]) {
      const thin = (await liveQcCurve(store, { evaluationId, structure: 'LV', score: SCORE_SQL.ENTROPY }, maxPoints))!;
      // Brute force: bin b ∈ [0, m − 2] of point k > 0 is min(⌊x (m − 1)⌋, m − 2); keep each bin's last.
      const lastOfBin = new Map<number, [number, number]>();
      for (const point of full.points.slice(1))
        lastOfBin.set(Math.min(Math.floor(point[0] * (maxPoints - 1)), maxPoints - 2), point);
      const expected = [full.points[0], ...[...lastOfBin.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p)];
      expect(thin.points.map((p) => [p.flagged, p.remaining])).toEqual(expected);
      expect(thin.points.length).toBeLessThanOrEqual(maxPoints);
      expect(thin.points.at(-1)).toEqual({ flagged: 1, remaining: 0 });
      expect(thin.auc).toBe(full.auc);
    }
    const all = (await liveQcCurve(
      store,
      { evaluationId, structure: 'LV', score: SCORE_SQL.ENTROPY },
      full.points.length,
    ))!;
    expect(all.points).toHaveLength(full.points.length);
  });
});
