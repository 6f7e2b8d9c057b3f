-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "DatasetSource" AS ENUM ('PHANTOM', 'ACDC', 'MNMS', 'NIFTI');

-- CreateEnum
CREATE TYPE "Split" AS ENUM ('TRAIN', 'VAL', 'TEST');

-- CreateEnum
CREATE TYPE "Phase" AS ENUM ('ED', 'ES');

-- CreateEnum
CREATE TYPE "RunKind" AS ENUM ('DATASET', 'TRAIN', 'EVALUATE', 'SWEEP', 'STUDY');

-- CreateEnum
CREATE TYPE "Method" AS ENUM ('PLAIN', 'MC_DROPOUT', 'BBB', 'ENSEMBLE');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "DistortionKind" AS ENUM ('NONE', 'NOISE', 'BLUR', 'STRETCH');

-- CreateEnum
CREATE TYPE "Structure" AS ENUM ('LV', 'MYO', 'RV');

-- CreateEnum
CREATE TYPE "MetricStatus" AS ENUM ('OK', 'BOTH_EMPTY', 'PRED_EMPTY', 'GT_EMPTY');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ANALYST', 'OPERATOR', 'ADMIN');

-- CreateTable
CREATE TABLE "Dataset" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "source" "DatasetSource" NOT NULL,
    "site" TEXT,
    "vendor" TEXT,
    "generatorParams" JSONB,
    "contentHash" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdByRunId" UUID,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Subject" (
    "id" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "group" TEXT,
    "split" "Split" NOT NULL,

    CONSTRAINT "Subject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Slice" (
    "id" UUID NOT NULL,
    "subjectId" UUID NOT NULL,
    "phase" "Phase" NOT NULL,
    "sliceIndex" INTEGER NOT NULL,
    "sliceCount" INTEGER NOT NULL,
    "position" DOUBLE PRECISION NOT NULL,
    "spacingXMm" DOUBLE PRECISION NOT NULL,
    "spacingYMm" DOUBLE PRECISION NOT NULL,
    "rows" INTEGER NOT NULL,
    "cols" INTEGER NOT NULL,
    "image" BYTEA NOT NULL,
    "label" BYTEA NOT NULL,
    "contentHash" TEXT NOT NULL,

    CONSTRAINT "Slice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" UUID NOT NULL,
    "kind" "RunKind" NOT NULL,
    "method" "Method",
    "config" JSONB NOT NULL,
    "seed" INTEGER,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "stage" TEXT,
    "etaSeconds" DOUBLE PRECISION,
    "backend" TEXT,
    "codeVersion" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "error" TEXT,
    "jobId" TEXT,
    "parentRunId" UUID,
    "datasetId" UUID,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingEpoch" (
    "runId" UUID NOT NULL,
    "member" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "trainLoss" DOUBLE PRECISION NOT NULL,
    "valNll" DOUBLE PRECISION NOT NULL,
    "seconds" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingEpoch_pkey" PRIMARY KEY ("runId","member","epoch")
);

-- CreateTable
CREATE TABLE "Checkpoint" (
    "id" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "member" INTEGER NOT NULL DEFAULT 0,
    "epoch" INTEGER NOT NULL,
    "valNll" DOUBLE PRECISION NOT NULL,
    "weightsSha256" TEXT NOT NULL,
    "weights" BYTEA,
    "path" TEXT,
    "config" JSONB NOT NULL,
    "backend" TEXT NOT NULL,
    "layerStats" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Evaluation" (
    "id" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "trainingRunId" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "split" "Split",
    "distortionKind" "DistortionKind" NOT NULL DEFAULT 'NONE',
    "distortionLevel" INTEGER NOT NULL DEFAULT 0,
    "samples" INTEGER NOT NULL,
    "storeSamples" BOOLEAN NOT NULL DEFAULT false,
    "calibrationBins" INTEGER NOT NULL DEFAULT 15,
    "metricVersion" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Evaluation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvaluationCheckpoint" (
    "evaluationId" UUID NOT NULL,
    "checkpointId" UUID NOT NULL,

    CONSTRAINT "EvaluationCheckpoint_pkey" PRIMARY KEY ("evaluationId","checkpointId")
);

-- CreateTable
CREATE TABLE "Prediction" (
    "id" UUID NOT NULL,
    "evaluationId" UUID NOT NULL,
    "sliceId" UUID NOT NULL,
    "shard" INTEGER NOT NULL DEFAULT 0,
    "labelMap" BYTEA NOT NULL,
    "entropyMap" BYTEA,
    "miMap" BYTEA,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Prediction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Sample" (
    "predictionId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "labelMap" BYTEA NOT NULL,

    CONSTRAINT "Sample_pkey" PRIMARY KEY ("predictionId","index")
);

-- CreateTable
CREATE TABLE "StructureMetric" (
    "predictionId" UUID NOT NULL,
    "evaluationId" UUID NOT NULL,
    "structure" "Structure" NOT NULL,
    "status" "MetricStatus" NOT NULL,
    "dice" DOUBLE PRECISION NOT NULL,
    "assdMm" DOUBLE PRECISION,
    "hdMm" DOUBLE PRECISION,
    "hd95Mm" DOUBLE PRECISION,
    "diceWithin" DOUBLE PRECISION,
    "assdWithinMm" DOUBLE PRECISION,
    "poor" BOOLEAN NOT NULL,
    "metricVersion" INTEGER NOT NULL,

    CONSTRAINT "StructureMetric_pkey" PRIMARY KEY ("predictionId","structure")
);

-- CreateTable
CREATE TABLE "ImageMetric" (
    "predictionId" UUID NOT NULL,
    "evaluationId" UUID NOT NULL,
    "nll" DOUBLE PRECISION NOT NULL,
    "brier" DOUBLE PRECISION NOT NULL,
    "entropy" DOUBLE PRECISION NOT NULL,
    "mi" DOUBLE PRECISION NOT NULL,
    "pixels" INTEGER NOT NULL,
    "binCounts" INTEGER[],
    "binConfidenceSum" DOUBLE PRECISION[],
    "binCorrect" INTEGER[],
    "metricVersion" INTEGER NOT NULL,

    CONSTRAINT "ImageMetric_pkey" PRIMARY KEY ("predictionId")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT,
    "details" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "lastUsed" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");

-- CreateIndex
CREATE INDEX "Dataset_source_site_idx" ON "Dataset"("source", "site");

-- CreateIndex
CREATE INDEX "Subject_datasetId_split_idx" ON "Subject"("datasetId", "split");

-- CreateIndex
CREATE INDEX "Subject_datasetId_group_idx" ON "Subject"("datasetId", "group");

-- CreateIndex
CREATE UNIQUE INDEX "Subject_datasetId_externalId_key" ON "Subject"("datasetId", "externalId");

-- CreateIndex
CREATE INDEX "Slice_position_idx" ON "Slice"("position");

-- CreateIndex
CREATE UNIQUE INDEX "Slice_subjectId_phase_sliceIndex_key" ON "Slice"("subjectId", "phase", "sliceIndex");

-- CreateIndex
CREATE INDEX "Run_kind_status_idx" ON "Run"("kind", "status");

-- CreateIndex
CREATE INDEX "Run_method_idx" ON "Run"("method");

-- CreateIndex
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");

-- CreateIndex
CREATE INDEX "Run_createdAt_idx" ON "Run"("createdAt");

-- CreateIndex
CREATE INDEX "Checkpoint_weightsSha256_idx" ON "Checkpoint"("weightsSha256");

-- CreateIndex
CREATE UNIQUE INDEX "Checkpoint_runId_member_key" ON "Checkpoint"("runId", "member");

-- CreateIndex
CREATE INDEX "Evaluation_trainingRunId_distortionKind_distortionLevel_idx" ON "Evaluation"("trainingRunId", "distortionKind", "distortionLevel");

-- CreateIndex
CREATE INDEX "Evaluation_datasetId_idx" ON "Evaluation"("datasetId");

-- CreateIndex
CREATE UNIQUE INDEX "Evaluation_runId_key" ON "Evaluation"("runId");

-- CreateIndex
CREATE INDEX "Prediction_evaluationId_shard_idx" ON "Prediction"("evaluationId", "shard");

-- CreateIndex
CREATE UNIQUE INDEX "Prediction_evaluationId_sliceId_key" ON "Prediction"("evaluationId", "sliceId");

-- CreateIndex
CREATE INDEX "StructureMetric_evaluationId_structure_idx" ON "StructureMetric"("evaluationId", "structure");

-- CreateIndex
CREATE INDEX "ImageMetric_evaluationId_idx" ON "ImageMetric"("evaluationId");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_hash_key" ON "AuditEvent"("hash");

-- CreateIndex
CREATE INDEX "AuditEvent_entity_entityId_idx" ON "AuditEvent"("entity", "entityId");

-- CreateIndex
CREATE INDEX "AuditEvent_actor_idx" ON "AuditEvent"("actor");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_name_key" ON "ApiKey"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- AddForeignKey
ALTER TABLE "Subject" ADD CONSTRAINT "Subject_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Slice" ADD CONSTRAINT "Slice_subjectId_fkey" FOREIGN KEY ("subjectId") REFERENCES "Subject"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_parentRunId_fkey" FOREIGN KEY ("parentRunId") REFERENCES "Run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingEpoch" ADD CONSTRAINT "TrainingEpoch_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Checkpoint" ADD CONSTRAINT "Checkpoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationCheckpoint" ADD CONSTRAINT "EvaluationCheckpoint_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvaluationCheckpoint" ADD CONSTRAINT "EvaluationCheckpoint_checkpointId_fkey" FOREIGN KEY ("checkpointId") REFERENCES "Checkpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_sliceId_fkey" FOREIGN KEY ("sliceId") REFERENCES "Slice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sample" ADD CONSTRAINT "Sample_predictionId_fkey" FOREIGN KEY ("predictionId") REFERENCES "Prediction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StructureMetric" ADD CONSTRAINT "StructureMetric_predictionId_fkey" FOREIGN KEY ("predictionId") REFERENCES "Prediction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImageMetric" ADD CONSTRAINT "ImageMetric_predictionId_fkey" FOREIGN KEY ("predictionId") REFERENCES "Prediction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

