-- An evaluation's QC curves, stored once when its last shard is written (docs/design.md "Store"):
-- per structure and measure the totals, the AUC, and the cumulative flagged and poor counts per step.
-- CreateTable
CREATE TABLE "EvaluationCurve" (
    "evaluationId" UUID NOT NULL,
    "structure" "Structure" NOT NULL,
    "measure" "QcMeasure" NOT NULL,
    "n" INTEGER NOT NULL,
    "poor" INTEGER NOT NULL,
    "auc" DOUBLE PRECISION NOT NULL,
    "flagged" INTEGER[],
    "poorFlagged" INTEGER[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvaluationCurve_pkey" PRIMARY KEY ("evaluationId","structure","measure")
);

-- AddForeignKey
ALTER TABLE "EvaluationCurve" ADD CONSTRAINT "EvaluationCurve_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Results are immutable once written, these as the rows they are computed from (cardiac_uq_reject_change
-- from migration immutable_results); `audit verify` recomputes their digest (evaluation.curves.stored).
CREATE TRIGGER "EvaluationCurve_immutable" BEFORE UPDATE OR DELETE ON "EvaluationCurve"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "EvaluationCurve_no_truncate" BEFORE TRUNCATE ON "EvaluationCurve"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
