/**
 * Stored QC curves (docs/design.md "Store", "Quality control"). Once an evaluation's last shard is
 * written its results are immutable, so the QC curve of every structure and measure over all its
 * rows is computed once — by the live query's own SQL (qc-curve-sql.ts curveStepsSql) — and stored
 * as its totals, its AUC and the cumulative flagged and poor counts of every step. The API's
 * unscoped `qcCurve` and `reviewAt` then read one row (qc-curve-sql.ts storedQcCurve), and fall
 * back to the live query while the evaluation is running (no row yet) or for a scope.
 *
 * Written once, by the job that settles the run (jobs/handlers/evaluate-shard.ts): a lock on
 * (evaluation, −1) — shard locks use shards ≥ 0 — and a check for existing rows make a second
 * settling attempt write nothing; the rows and the `evaluation.curves.stored` audit event, whose
 * digest covers them (db/result-digest.ts curvesDigest), commit together. The table is append-only
 * (trigger), and `audit verify` recomputes the digest.
 */
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { curvesDigest, DIGEST_VERSION } from '../db/result-digest';
import { STRUCTURES, UNCERTAINTY_MEASURES } from '../domain/constants';
import { SCORE_SQL } from './evaluation-queries';
import { curveStepsSql } from './qc-curve-sql';

/** Stores the evaluation's QC curves; false when they were stored already. */
export async function storeEvaluationCurves(
  store: Store,
  input: { evaluationId: string; runId: string; actor: string },
): Promise<boolean> {
  const { evaluationId } = input;
  return store.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${evaluationId}), -1)`;
      if ((await tx.evaluationCurve.count({ where: { evaluationId } })) > 0) return false;
      let curves = 0;
      for (const structure of STRUCTURES) {
        for (const measure of UNCERTAINTY_MEASURES) {
          curves += await tx.$executeRaw`
            INSERT INTO "EvaluationCurve" ("evaluationId", structure, measure, n, poor, auc, flagged, "poorFlagged")
            SELECT ${evaluationId}::uuid, ${structure}::"Structure", ${measure}::"QcMeasure", s.n, s.poor, s.auc, s.flagged, s."poorFlagged"
            FROM (${curveStepsSql({ evaluationId, structure, score: SCORE_SQL[measure] })}) s`;
        }
      }
      await appendAudit(tx, {
        actor: input.actor,
        action: 'evaluation.curves.stored',
        entity: 'Evaluation',
        entityId: evaluationId,
        details: {
          runId: input.runId,
          curves,
          digest: await curvesDigest(tx, evaluationId),
          digestVersion: DIGEST_VERSION,
        },
      });
      return true;
    },
    { timeout: 600000, maxWait: 60000 },
  );
}
