-- Clinical biomarkers (docs/design.md "Clinical biomarkers"): per-structure pixel counts of an
-- evaluation's mean segmentation, of each posterior sample and of the ground truth it compared
-- with, and a subject's distance between slice centres. Adding nullable columns updates no row, so
-- the immutability triggers stay as they are; rows written before keep null (no biomarkers).

-- AlterTable
ALTER TABLE "Subject" ADD COLUMN     "sliceSpacingMm" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "StructureMetric" ADD COLUMN     "gtPixels" INTEGER,
ADD COLUMN     "pixels" INTEGER,
ADD COLUMN     "samplePixels" INTEGER[];
