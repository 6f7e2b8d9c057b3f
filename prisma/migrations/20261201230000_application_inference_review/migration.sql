-- The application (docs/design.md "Importing data", "QC policy", "Inference and review"): slices
-- may arrive without ground truth, keep their file's geometry, and gain a label later only as a
-- new SliceLabel row (attached files or a review); QC policies, inferences and reviews are
-- append-only like the other results.

-- CreateEnum
CREATE TYPE "QcMeasure" AS ENUM ('ENTROPY', 'MI', 'DICE_WITHIN', 'ASSD_WITHIN');
-- CreateEnum
CREATE TYPE "PolicyTarget" AS ENUM ('POOR_LEFT', 'REVIEW_BUDGET');
-- CreateEnum
CREATE TYPE "LabelSource" AS ENUM ('ATTACHED', 'REVIEW_ACCEPTED', 'REVIEW_CORRECTED');
-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('ACCEPT', 'CORRECT');
-- AlterEnum
ALTER TYPE "RunKind" ADD VALUE 'INFER';
-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'REVIEWER';
-- AlterTable
ALTER TABLE "Slice" ALTER COLUMN "label" DROP NOT NULL;
-- CreateTable
CREATE TABLE "VolumeGeometry" (
    "subjectId" UUID NOT NULL,
    "phase" "Phase" NOT NULL,
    "sourceFile" TEXT NOT NULL,
    "frame" INTEGER,
    "geometry" JSONB NOT NULL,
    CONSTRAINT "VolumeGeometry_pkey" PRIMARY KEY ("subjectId","phase")
);
-- CreateTable
CREATE TABLE "SliceLabel" (
    "sliceId" UUID NOT NULL,
    "label" BYTEA NOT NULL,
    "source" "LabelSource" NOT NULL,
    "reviewId" UUID,
    "contentHash" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SliceLabel_pkey" PRIMARY KEY ("sliceId")
);
-- CreateTable
CREATE TABLE "Policy" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "evaluationId" UUID NOT NULL,
    "trainingRunId" UUID NOT NULL,
    "targetKind" "PolicyTarget" NOT NULL,
    "target" DOUBLE PRECISION NOT NULL,
    "rules" JSONB NOT NULL,
    "cases" INTEGER NOT NULL,
    "reviewFraction" DOUBLE PRECISION NOT NULL,
    "reviewFractionLow" DOUBLE PRECISION NOT NULL,
    "reviewFractionHigh" DOUBLE PRECISION NOT NULL,
    "poorLeft" DOUBLE PRECISION NOT NULL,
    "poorLeftLow" DOUBLE PRECISION NOT NULL,
    "poorLeftHigh" DOUBLE PRECISION NOT NULL,
    "bootstrap" JSONB NOT NULL,
    "codeVersion" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Policy_pkey" PRIMARY KEY ("id")
);
-- CreateTable
CREATE TABLE "Inference" (
    "id" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "trainingRunId" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "policyId" UUID,
    "samples" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Inference_pkey" PRIMARY KEY ("id")
);
-- CreateTable
CREATE TABLE "InferenceCheckpoint" (
    "inferenceId" UUID NOT NULL,
    "checkpointId" UUID NOT NULL,
    CONSTRAINT "InferenceCheckpoint_pkey" PRIMARY KEY ("inferenceId","checkpointId")
);
-- CreateTable
CREATE TABLE "InferenceSlice" (
    "id" UUID NOT NULL,
    "inferenceId" UUID NOT NULL,
    "sliceId" UUID NOT NULL,
    "shard" INTEGER NOT NULL DEFAULT 0,
    "labelMap" BYTEA NOT NULL,
    "entropyMap" BYTEA NOT NULL,
    "miMap" BYTEA NOT NULL,
    "entropy" DOUBLE PRECISION NOT NULL,
    "mi" DOUBLE PRECISION NOT NULL,
    "flagged" BOOLEAN,
    "decisions" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "InferenceSlice_pkey" PRIMARY KEY ("id")
);
-- CreateTable
CREATE TABLE "InferenceStructure" (
    "inferenceSliceId" UUID NOT NULL,
    "inferenceId" UUID NOT NULL,
    "structure" "Structure" NOT NULL,
    "diceWithin" DOUBLE PRECISION NOT NULL,
    "assdWithinMm" DOUBLE PRECISION,
    "pixels" INTEGER NOT NULL,
    "samplePixels" INTEGER[],
    CONSTRAINT "InferenceStructure_pkey" PRIMARY KEY ("inferenceSliceId","structure")
);
-- CreateTable
CREATE TABLE "Review" (
    "id" UUID NOT NULL,
    "inferenceId" UUID NOT NULL,
    "subjectId" UUID NOT NULL,
    "sliceId" UUID,
    "decision" "ReviewDecision" NOT NULL,
    "comment" TEXT,
    "reviewer" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Review_pkey" PRIMARY KEY ("id")
);
-- CreateIndex
CREATE INDEX "SliceLabel_reviewId_idx" ON "SliceLabel"("reviewId");
-- CreateIndex
CREATE UNIQUE INDEX "Policy_name_key" ON "Policy"("name");
-- CreateIndex
CREATE INDEX "Policy_trainingRunId_idx" ON "Policy"("trainingRunId");
-- CreateIndex
CREATE UNIQUE INDEX "Inference_runId_key" ON "Inference"("runId");
-- CreateIndex
CREATE INDEX "Inference_trainingRunId_idx" ON "Inference"("trainingRunId");
-- CreateIndex
CREATE INDEX "Inference_datasetId_idx" ON "Inference"("datasetId");
-- CreateIndex
CREATE INDEX "InferenceSlice_inferenceId_shard_idx" ON "InferenceSlice"("inferenceId", "shard");
-- CreateIndex
CREATE INDEX "InferenceSlice_inferenceId_flagged_idx" ON "InferenceSlice"("inferenceId", "flagged");
-- CreateIndex
CREATE UNIQUE INDEX "InferenceSlice_inferenceId_sliceId_key" ON "InferenceSlice"("inferenceId", "sliceId");
-- CreateIndex
CREATE INDEX "InferenceStructure_inferenceId_structure_idx" ON "InferenceStructure"("inferenceId", "structure");
-- CreateIndex
CREATE INDEX "Review_inferenceId_idx" ON "Review"("inferenceId");
-- CreateIndex
CREATE INDEX "Review_subjectId_idx" ON "Review"("subjectId");
-- AddForeignKey
ALTER TABLE "VolumeGeometry" ADD CONSTRAINT "VolumeGeometry_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "SliceLabel" ADD CONSTRAINT "SliceLabel_sliceId_fkey" FOREIGN KEY ("sliceId") REFERENCES "Slice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "SliceLabel" ADD CONSTRAINT "SliceLabel_reviewId_fkey" FOREIGN KEY ("reviewId") REFERENCES "Review"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "Policy" ADD CONSTRAINT "Policy_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "Inference" ADD CONSTRAINT "Inference_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "Inference" ADD CONSTRAINT "Inference_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "Inference" ADD CONSTRAINT "Inference_policyId_fkey" FOREIGN KEY ("policyId") REFERENCES "Policy"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "InferenceCheckpoint" ADD CONSTRAINT "InferenceCheckpoint_inferenceId_fkey" FOREIGN KEY ("inferenceId") REFERENCES "Inference"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "InferenceCheckpoint" ADD CONSTRAINT "InferenceCheckpoint_checkpointId_fkey" FOREIGN KEY ("checkpointId") REFERENCES "Checkpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "InferenceSlice" ADD CONSTRAINT "InferenceSlice_inferenceId_fkey" FOREIGN KEY ("inferenceId") REFERENCES "Inference"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "InferenceSlice" ADD CONSTRAINT "InferenceSlice_sliceId_fkey" FOREIGN KEY ("sliceId") REFERENCES "Slice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "InferenceStructure" ADD CONSTRAINT "InferenceStructure_inferenceSliceId_fkey" FOREIGN KEY ("inferenceSliceId") REFERENCES "InferenceSlice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "InferenceStructure" ADD CONSTRAINT "InferenceStructure_inferenceId_fkey" FOREIGN KEY ("inferenceId") REFERENCES "Inference"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_inferenceId_fkey" FOREIGN KEY ("inferenceId") REFERENCES "Inference"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_sliceId_fkey" FOREIGN KEY ("sliceId") REFERENCES "Slice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Append-only: results and decisions refuse UPDATE, DELETE and TRUNCATE (as in 20261127170000).
CREATE TRIGGER "VolumeGeometry_immutable" BEFORE UPDATE OR DELETE ON "VolumeGeometry"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "SliceLabel_immutable" BEFORE UPDATE OR DELETE ON "SliceLabel"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "SliceLabel_no_truncate" BEFORE TRUNCATE ON "SliceLabel"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Policy_immutable" BEFORE UPDATE OR DELETE ON "Policy"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Policy_no_truncate" BEFORE TRUNCATE ON "Policy"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Inference_provenance" BEFORE UPDATE ON "Inference"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();
CREATE TRIGGER "InferenceCheckpoint_provenance" BEFORE UPDATE ON "InferenceCheckpoint"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();
CREATE TRIGGER "InferenceSlice_immutable" BEFORE UPDATE OR DELETE ON "InferenceSlice"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "InferenceSlice_no_truncate" BEFORE TRUNCATE ON "InferenceSlice"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "InferenceStructure_immutable" BEFORE UPDATE OR DELETE ON "InferenceStructure"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "InferenceStructure_no_truncate" BEFORE TRUNCATE ON "InferenceStructure"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Review_immutable" BEFORE UPDATE OR DELETE ON "Review"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Review_no_truncate" BEFORE TRUNCATE ON "Review"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
