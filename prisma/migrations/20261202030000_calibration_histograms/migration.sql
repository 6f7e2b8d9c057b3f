-- AlterTable
ALTER TABLE "ImageMetric" ADD COLUMN     "classBinCounts" INTEGER[],
ADD COLUMN     "classBinHits" INTEGER[],
ADD COLUMN     "classBinProbabilitySum" DOUBLE PRECISION[],
ADD COLUMN     "fineBinConfidenceSum" DOUBLE PRECISION[],
ADD COLUMN     "fineBinCorrect" INTEGER[],
ADD COLUMN     "fineBinCounts" INTEGER[],
ADD COLUMN     "fineBinIndex" INTEGER[],
ADD COLUMN     "fineBinMax" DOUBLE PRECISION[],
ADD COLUMN     "fineBinMin" DOUBLE PRECISION[];

