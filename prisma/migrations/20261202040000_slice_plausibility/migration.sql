-- AlterTable
ALTER TABLE "StructureMetric" ADD COLUMN     "components" INTEGER,
ADD COLUMN     "holes" INTEGER;

-- AlterTable
ALTER TABLE "ImageMetric" ADD COLUMN     "lvExposed" INTEGER,
ADD COLUMN     "rvLvContact" INTEGER;

