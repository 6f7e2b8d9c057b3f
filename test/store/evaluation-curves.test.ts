/**
 * Stored QC curves (src/store/evaluation-curves.ts, qc-curve-sql.ts storedQcCurve): for random
 * synthetic evaluations with many tied scores and with distinct ones, every structure and measure,
 * the stored curve gives the engine's curve over the rows (qcCurve, reviewFractionAt: brute force
 * in JS, not SQL) point for point and bit for bit, and the thinned points of the maxPoints rule
 * computed here by brute force; the API path (qcCurveOf) reads the stored row once it exists and
 * the live query before; curves are stored once, append-only, and `audit verify` covers them.
 */
import { createStore, type Store } from '../../src/db/client';
import { verifyAuditChain } from '../../src/db/audit';
import { qcCurve, reviewFractionAt } from '../../src/engine/metrics/qc-curve';
import { STRUCTURES, UNCERTAINTY_MEASURES } from '../../src/domain/constants';
import { qcCurveOf } from '../../src/services/evaluation-analytics';
import { storeEvaluationCurves } from '../../src/store/evaluation-curves';
import { qcRows } from '../../src/store/evaluation-queries';
import { storedQcCurve, storedReviewFraction } from '../../src/store/qc-curve-sql';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticResults, type SyntheticStore } from '../support/synthetic-results';
import { bypassed } from '../security/integrity-seed';

const TARGETS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1];

/** The maxPoints rule by brute force: the start, then the last point of each bin min(⌊x (m − 1)⌋, m − 2). */
function thinned(points: Array<[number, number]>, maxPoints: number): Array<[number, number]> {
  if (points.length <= maxPoints) return points;
  const lastOfBin = new Map<number, [number, number]>();
  for (const point of points.slice(1))
    lastOfBin.set(Math.min(Math.floor(point[0] * (maxPoints - 1)), maxPoints - 2), point);
  return [points[0], ...[...lastOfBin.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p)];
}

describe('stored QC curves', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let tied: SyntheticStore;
  let distinct: SyntheticStore;

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    tied = await seedSyntheticResults(store, { slices: 1200, evaluations: 2, ties: true, seed: 0.3, sliceCount: 11 });
    distinct = await seedSyntheticResults(store, { slices: 600, evaluations: 1, seed: 0.6, sliceCount: 8 });
  }, 60000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  const ids = () => [tied.evaluationIds[0], distinct.evaluationIds[0]];

  test('are stored once, even when two settling jobs race, with one audit event', async () => {
    for (const evaluationId of ids()) {
      const outcomes = await Promise.all([
        storeEvaluationCurves(store, { evaluationId, runId: evaluationId, actor: 'test' }),
        storeEvaluationCurves(store, { evaluationId, runId: evaluationId, actor: 'test' }),
      ]);
      expect(outcomes.sort()).toEqual([false, true]);
      expect(await storeEvaluationCurves(store, { evaluationId, runId: evaluationId, actor: 'test' })).toBe(false);
      expect(await store.evaluationCurve.count({ where: { evaluationId } })).toBe(
        STRUCTURES.length * UNCERTAINTY_MEASURES.length,
      );
      const events = await store.auditEvent.findMany({
        where: { action: 'evaluation.curves.stored', entityId: evaluationId },
      });
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0].details).curves).toBe(12);
    }
  });

  test.each(['tied', 'distinct'])(
    'every structure and measure gives the engine curve over the rows, thinned by the maxPoints rule (%s scores)',
    async (which) => {
      const evaluationId = (which === 'tied' ? tied : distinct).evaluationIds[0];
      for (const structure of STRUCTURES) {
        for (const measure of UNCERTAINTY_MEASURES) {
          const rows = await qcRows(store, evaluationId, structure, measure);
          const engine = qcCurve(
            rows.map((r) => r.score),
            rows.map((r) => r.poor),
          );
          const key = { evaluationId, structure, measure };
          const all = (await storedQcCurve(store, key, 1e6))!;
          expect([all.n, all.poor]).toEqual([engine.n, engine.poor]);
          expect(all.auc).toBe(engine.auc);
          expect(all.points.map((p) => [p.flagged, p.remaining])).toEqual(engine.points);
          for (const target of TARGETS)
            expect(await storedReviewFraction(store, key, target)).toBe(reviewFractionAt(engine.points, target));
          for (const maxPoints of [2, 3, 10, 101]) {
            const thin = (await storedQcCurve(store, key, maxPoints))!;
            expect(thin.points.map((p) => [p.flagged, p.remaining])).toEqual(thinned(engine.points, maxPoints));
            expect(thin.auc).toBe(engine.auc);
          }
          if (which === 'tied') expect(engine.points.length).toBeLessThan(rows.length / 10);
        }
      }
    },
  );

  test('the API reads the stored curve once it exists, the live query before (same figures) and for a scope', async () => {
    const settled = tied.evaluationIds[0];
    const running = tied.evaluationIds[1];
    expect(await storedQcCurve(store, { evaluationId: running, structure: 'LV', measure: 'MI' }, 10)).toBeUndefined();
    const live = (await qcCurveOf(store, running, 'LV', 'MI', undefined, 50))!;
    await storeEvaluationCurves(store, { evaluationId: running, runId: running, actor: 'test' });
    const stored = (await qcCurveOf(store, running, 'LV', 'MI', { split: null, site: null }, 50))!;
    expect({ ...stored, reviewAtFn: null }).toEqual({ ...live, reviewAtFn: null });
    expect(await stored.reviewAtFn(0.05)).toBe(await live.reviewAtFn(0.05));
    // A stored AUC edited behind the triggers' back shows which path answers, and audit verify names it.
    const original = (await qcCurveOf(store, settled, 'RV', 'ENTROPY'))!.auc;
    await bypassed(
      db.url,
      `UPDATE "EvaluationCurve" SET auc = 0.123 WHERE "evaluationId" = $1 AND structure = 'RV' AND measure = 'ENTROPY'`,
      [settled],
    );
    expect((await qcCurveOf(store, settled, 'RV', 'ENTROPY'))!.auc).toBe(0.123);
    expect((await qcCurveOf(store, settled, 'RV', 'ENTROPY', { group: 'NOR' }))!.auc).not.toBe(0.123);
    const verification = await verifyAuditChain(store);
    expect(verification.firstBroken).toMatchObject({
      reason: 'RESULT_MISMATCH',
      digest: { target: { kind: 'curves', evaluationId: settled } },
    });
    await bypassed(
      db.url,
      `UPDATE "EvaluationCurve" SET auc = $2 WHERE "evaluationId" = $1 AND structure = 'RV' AND measure = 'ENTROPY'`,
      [settled, original],
    );
    expect((await verifyAuditChain(store)).firstBroken).toBeNull();
  });

  test('are append-only, and curves without their audit event are unrecorded', async () => {
    await expect(store.evaluationCurve.deleteMany({})).rejects.toThrow(/immutable/);
    await expect(store.evaluationCurve.updateMany({ data: { n: 1 } })).rejects.toThrow(/immutable/);
    // Rows inserted outside the platform (no evaluation.curves.stored event) are reported.
    const fresh = await seedSyntheticResults(store, { slices: 20, evaluations: 1, seed: 0.9 });
    const before = (await verifyAuditChain(store)).results;
    await store.$executeRaw`
      INSERT INTO "EvaluationCurve" ("evaluationId", structure, measure, n, poor, auc, flagged, "poorFlagged")
      VALUES (${fresh.evaluationIds[0]}::uuid, 'LV', 'MI', 1, 0, 0, '{1}', '{0}')`;
    const after = (await verifyAuditChain(store)).results;
    // The synthetic shards and datasets have no events either; the curve row adds one more.
    expect(before?.firstMismatch).toBeNull();
    expect(after?.unrecorded?.count).toBe(before!.unrecorded!.count + 1);
  });
});
