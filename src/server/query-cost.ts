/**
 * The price of a GraphQL operation, checked before anything runs (docs/design.md "GraphQL API",
 * cost model). A field costs 1 plus what it selects, except:
 *
 * - image fields (PNG data URLs) cost by pixels: IMAGE_COST = 256·256 / 1024 = 64 per image. The
 *   size is not known before the query runs, so every image is priced as a 256 × 256 slice (the
 *   phantom's size; cine-MRI slices are rarely larger after cropping). `samplePngs` returns up to
 *   MAX_SAMPLE_PNGS images and is priced as that many;
 * - analytics cost by the rows they read: ROW_PASS_COST = 100 per pass over one evaluation's rows
 *   (a documented constant rather than a count: the evaluation is named by a parent's argument,
 *   unknown to the estimator). `compare` reads COMPARE_PASSES passes per evaluation id;
 *   `distortionSweep` is priced as SWEEP_EVALUATIONS child evaluations of 10 distributions each;
 * - a page (`first: n`) costs 1 plus n times what each row selects, and `predictions` and an
 *   inference's `triage` also one pass (they order every row to find the page); an inference's
 *   `counts` and `reviewFraction` one pass each, and `subjects(first)` one pass plus its rows;
 *   `promiseCheck`, `reviewStatus`, `reviews` and `downloads` / `inferenceDownloads` one pass
 *   each (they read every slice or review of the inference); biomarkers (src/services/biomarkers.ts)
 *   one pass over the stored counts, an inference's two (its slices' labels are read for the
 *   ground truth).
 */
import type { ComplexityEstimator } from 'graphql-query-complexity';

export const PRICED_IMAGE_PIXELS = 256 * 256;
export const IMAGE_COST = PRICED_IMAGE_PIXELS / 1024;
/** The most stored samples `samplePngs` renders (src/resolvers/prediction.resolver.ts). */
export const MAX_SAMPLE_PNGS = 100;
export const ROW_PASS_COST = 100;
/** Summaries, image means, histogram sums, the structure rows and the per-subject image sums (intervals) per compared evaluation. */
export const COMPARE_PASSES = 5;
/** A sweep's child evaluations priced up front: NONE plus 3 kinds × 4 levels (the default sweep). */
export const SWEEP_EVALUATIONS = 13;
const SWEEP_DISTRIBUTIONS = 10;

/** Fixed costs of a field itself, by `Type.field`; what it selects is added. */
export const FIELD_COSTS: Readonly<Record<string, number>> = Object.freeze({
  'Prediction.labelPng': IMAGE_COST,
  'Prediction.entropyPng': IMAGE_COST,
  'Prediction.miPng': IMAGE_COST,
  'Prediction.samplePngs': MAX_SAMPLE_PNGS * IMAGE_COST,
  'InferenceSlice.labelPng': IMAGE_COST,
  'InferenceSlice.entropyPng': IMAGE_COST,
  'InferenceSlice.miPng': IMAGE_COST,
  'Inference.counts': ROW_PASS_COST,
  'Inference.reviewFraction': ROW_PASS_COST,
  'Inference.subjects': ROW_PASS_COST,
  // Reads every slice of the inference with its ground truth and scores each (src/services/promise-check.ts).
  'Inference.promiseCheck': ROW_PASS_COST,
  'Query.promiseCheck': ROW_PASS_COST,
  // Every slice of the inference with its ground truth's origin (src/store/reviews.ts reviewStatus).
  'Query.reviewStatus': ROW_PASS_COST,
  // The distinct subject-phase stacks of every slice of the inference (src/store/inference-export.ts).
  'Inference.downloads': ROW_PASS_COST,
  'Query.inferenceDownloads': ROW_PASS_COST,
  // Every review of the inference (one per slice at most), unpaged.
  'Inference.reviews': ROW_PASS_COST,
  'Query.reviews': ROW_PASS_COST,
  'Slice.image': IMAGE_COST,
  'Slice.gt': IMAGE_COST,
  'Evaluation.summary': ROW_PASS_COST,
  'Evaluation.calibration': 2 * ROW_PASS_COST,
  'Evaluation.qcCurve': ROW_PASS_COST,
  'Evaluation.baselines': ROW_PASS_COST,
  'Evaluation.correlations': 12 * ROW_PASS_COST,
  'QcCurve.reviewAt': ROW_PASS_COST,
  // The reliability, per-class and fine histogram sums (src/services/calibration-measures.ts).
  'Evaluation.calibrationMeasures': 3 * ROW_PASS_COST,
  // One read of a structure's rows, or of each of the 3 × 4 pairs (src/services/failure-detection.ts).
  'Evaluation.failureDetection': ROW_PASS_COST,
  'Evaluation.failureDetections': 12 * ROW_PASS_COST,
  // The structure's rows of the fitted and of the judged evaluation (src/services/plausibility-qc.ts).
  'Evaluation.plausibilityQc': 2 * ROW_PASS_COST,
  // Every structure's rows of the fitted and of the judged evaluation, one read each.
  'Evaluation.plausibilityQcSummary': 2 * ROW_PASS_COST,
  'Evaluation.plausibility': ROW_PASS_COST,
  'Inference.biomarkers': 2 * ROW_PASS_COST,
  'Evaluation.biomarkers': ROW_PASS_COST,
  'Evaluation.subjectQcCurve': ROW_PASS_COST,
  'Query.biomarkerAgreement': ROW_PASS_COST,
  // Recomputes a dataset's, a shard's and the checkpoints' result digests (src/store/lineage.ts).
  'Query.lineage': ROW_PASS_COST,
});

const pageSize = (args: Record<string, unknown>) => (typeof args.first === 'number' && args.first > 0 ? args.first : 0);

export const queryCostEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const key = `${type.name}.${field.name}`;
  if (key === 'Query.compare') {
    const ids = Array.isArray(args.evaluationIds) ? args.evaluationIds.length : 1;
    return 1 + ids * (COMPARE_PASSES * ROW_PASS_COST + childComplexity);
  }
  if (key === 'Query.distortionSweep') {
    const points = SWEEP_EVALUATIONS * SWEEP_DISTRIBUTIONS;
    return 1 + points * (ROW_PASS_COST + childComplexity);
  }
  const own = FIELD_COSTS[key] ?? 1;
  const first = pageSize(args);
  const ordersAll = key === 'Evaluation.predictions' || key === 'Inference.triage';
  if (first) return own + (ordersAll ? ROW_PASS_COST : 0) + first * childComplexity;
  return own + childComplexity;
};
