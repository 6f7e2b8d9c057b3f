-- Covering indexes for the reads analysts make most (docs/design.md "Store"): a QC curve or a
-- correlation of one evaluation scans (evaluation, structure, prediction) in StructureMetric and
-- (evaluation, prediction) in ImageMetric, merge-joins them on the prediction and never visits the
-- tables' heaps. They replace the narrower indexes they extend.

DROP INDEX "StructureMetric_evaluationId_structure_idx";
CREATE INDEX "StructureMetric_evaluationId_structure_predictionId_idx"
  ON "StructureMetric"("evaluationId", "structure", "predictionId") INCLUDE ("poor", "diceWithin", "assdWithinMm", "assdMm");

DROP INDEX "ImageMetric_evaluationId_idx";
CREATE INDEX "ImageMetric_evaluationId_predictionId_idx"
  ON "ImageMetric"("evaluationId", "predictionId") INCLUDE ("entropy", "mi");
