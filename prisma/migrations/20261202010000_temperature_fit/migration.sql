-- Temperature scaling (docs/design.md "Temperature scaling"): a CALIBRATE run fits one temperature
-- on a training run's validation split and writes one TemperatureFit row; rows are append-only
-- (a refit is a new row, the newest one is applied), like every other result table.

-- AlterEnum
ALTER TYPE "RunKind" ADD VALUE 'CALIBRATE';

-- CreateTable
CREATE TABLE "TemperatureFit" (
    "id" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "trainingRunId" UUID NOT NULL,
    "temperature" DOUBLE PRECISION NOT NULL,
    "valNllBefore" DOUBLE PRECISION NOT NULL,
    "valNllAfter" DOUBLE PRECISION NOT NULL,
    "slices" INTEGER NOT NULL,
    "pixels" INTEGER NOT NULL,
    "samples" INTEGER NOT NULL,
    "createdBy" TEXT NOT NULL,
    "codeVersion" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TemperatureFit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TemperatureFit_runId_key" ON "TemperatureFit"("runId");

-- CreateIndex
CREATE INDEX "TemperatureFit_trainingRunId_createdAt_idx" ON "TemperatureFit"("trainingRunId", "createdAt");

-- AddForeignKey
ALTER TABLE "TemperatureFit" ADD CONSTRAINT "TemperatureFit_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


CREATE TRIGGER "TemperatureFit_immutable" BEFORE UPDATE OR DELETE ON "TemperatureFit"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "TemperatureFit_no_truncate" BEFORE TRUNCATE ON "TemperatureFit"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
