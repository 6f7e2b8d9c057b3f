/**
 * `compare` (docs/design.md "GraphQL API" → compare): one table across evaluations, read in a
 * fixed number of statements whatever the number of evaluations (each grouped by evaluation), with
 * a 95 % subject-bootstrap interval for every figure (docs/design.md "Bootstrap intervals").
 *
 * Point estimates are the evaluation fields' own (structureSummaries, calibration, image means:
 * the same SQL, grouped by evaluation). Intervals resample the evaluation's subjects in scope
 * (ordered by id) with subjectMultiplicities(S, COMPARE_RESAMPLES, seed) and evaluate each
 * statistic from per-subject sufficient statistics: sums and counts for the means (Dice over all
 * rows, ASSD/HD/HD95 over the rows where defined, NLL/Brier/entropy/MI over slices), summed
 * reliability histograms for ECE, the subject's cases in score order for the QC AUC and review
 * fraction (SubjectQcCurve), the rows with both values finite weighted by their subject's draws
 * for Spearman ρ of each measure with ASSD (SubjectSpearman). The same statistic on the
 * concatenated resampled cases gives the same value, so the intervals are those of
 * subjectBootstrap over the rows. Intervals are getters: resampled only when a request selects them.
 * The per-subject sums (grouped in SQL) are read only when a selected interval needs them, and every
 * structure row of every evaluation compared only when correlations or QC are selected, so a table
 * of point estimates costs the grouped aggregates alone, and one with intervals the per-subject ones.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { STRUCTURES, UNCERTAINTY_MEASURES, type UncertaintyMeasureName } from '../domain/constants';
import { expectedCalibrationError } from '../engine/metrics/calibration';
import { reviewFractionAt, thinCurvePoints, trapezoidArea } from '../engine/metrics/qc-curve';
import { spearman } from '../engine/metrics/spearman';
import {
  bootstrapWeighted,
  subjectMultiplicities,
  weightedMean,
  type BootstrapInterval,
  type WeightedStatistic,
} from '../engine/statistics/bootstrap';
import { SubjectQcCurve } from '../engine/statistics/subject-qc-curve';
import { SubjectSpearman } from '../engine/statistics/subject-spearman';
import {
  structureCases,
  subjectImageSums,
  subjectStructureSums,
  type StructureCase,
  type StructureValue,
  type SubjectImageSums,
  type SubjectStructureSums,
} from '../store/comparison-rows';
import {
  calibrationBinSumsByEvaluation,
  imageMeansByEvaluation,
  structureSummariesByEvaluation,
  type StructureSummary,
} from '../store/evaluation-queries';
import type { SliceScope } from '../store/scope-sql';
import { calibrationFrom, randomBaselineCurve, type Calibration, type QcCurveResult } from './evaluation-analytics';

export const COMPARE_RESAMPLES = 1000;

export interface Interval95 {
  low: number;
  high: number;
}

const ci = (b: BootstrapInterval | null): Interval95 | null =>
  b?.interval ? { low: b.interval[0], high: b.interval[1] } : null;

/** What a row keeps for its `qc` field: the cases of each structure and the resamples. */
export interface QcSource {
  subjects: number;
  cases: Map<Structure, Array<{ subject: number; row: StructureCase }>>;
  multiplicities: Int32Array[];
}

/** Spearman ρ of a measure's value with the structure's ASSD, as Evaluation.correlations gives it. */
export interface ComparedCorrelation {
  structure: Structure;
  measure: UncertaintyMeasureName;
  spearman: number | null;
  /** Rows with both values finite. */
  n: number;
  spearmanCi95: Interval95 | null;
}

type Lazy<T> = Promise<T>;

/**
 * A compared evaluation. The point estimates are read at once; what rests on the per-subject rows
 * (subject count, intervals, correlations, QC) is a promise, read only when a request selects it.
 */
export interface ComparedEvaluation {
  evaluationId: string;
  subjects: Lazy<number>;
  structures: Array<
    StructureSummary & Record<'diceCi95' | 'assdCi95' | 'hdCi95' | 'hd95Ci95', Lazy<Interval95 | null>>
  >;
  calibration: Calibration & Record<'eceCi95' | 'nllCi95' | 'brierCi95', Lazy<Interval95 | null>>;
  entropy: number | null;
  entropyCi95: Lazy<Interval95 | null>;
  mi: number | null;
  miCi95: Lazy<Interval95 | null>;
  correlations: Lazy<ComparedCorrelation[]>;
  qcSource: Lazy<QcSource>;
}

/** Per-subject columns: index s holds subject s's sum (or count). */
const perSubject = (subjects: number) => new Float64Array(subjects);

type ImageValue = 'nll' | 'brier' | 'entropy' | 'mi';

/** What one evaluation's intervals, correlations and QC are computed from (the header says how). */
/** What one evaluation's mean intervals rest on: its subjects in scope (by id), their sums, the resamples. */
interface SubjectMeans {
  subjects: number;
  subjectOf: Map<string, number>;
  multiplicities: Int32Array[];
  structureMean(structure: Structure, value: StructureValue): Interval95 | null;
  imageMean(value: ImageValue): Interval95 | null;
  ece(): Interval95 | null;
}

function subjectMeans(
  calibrationBins: number,
  structureSums: SubjectStructureSums[],
  images: SubjectImageSums[],
  seed: number,
): SubjectMeans {
  const subjectIds = [...new Set([...structureSums.map((c) => c.subjectId), ...images.map((r) => r.subjectId)])].sort();
  const subjectOf = new Map(subjectIds.map((id, i) => [id, i]));
  const S = subjectIds.length;
  const multiplicities = S ? subjectMultiplicities(S, COMPARE_RESAMPLES, seed) : [];
  const interval = (statistic: WeightedStatistic) => (S ? ci(bootstrapWeighted(S, statistic, multiplicities)) : null);

  // Means of image values: per subject the sum over its slices and its slice count.
  const slices = perSubject(S);
  const imageSum = { nll: perSubject(S), brier: perSubject(S), entropy: perSubject(S), mi: perSubject(S) };
  for (const r of images) {
    const s = subjectOf.get(r.subjectId)!;
    slices[s] = r.slices;
    for (const k of ['nll', 'brier', 'entropy', 'mi'] as const) imageSum[k][s] = r[k];
  }

  // ECE of the resample: the drawn subjects' histograms summed with their multiplicities.
  const imageSubject = images.map((r) => subjectOf.get(r.subjectId)!);
  const bins = calibrationBins;
  const ece: WeightedStatistic = (w) => {
    const histogram = {
      bins,
      count: new Array<number>(bins).fill(0),
      sumConfidence: new Array<number>(bins).fill(0),
      sumCorrect: new Array<number>(bins).fill(0),
    };
    for (let i = 0; i < images.length; i++) {
      const r = images[i];
      const k = w[imageSubject[i]];
      if (k === 0) continue;
      for (let b = 0; b < r.binCounts.length && b < bins; b++) {
        histogram.count[b] += k * r.binCounts[b];
        histogram.sumConfidence[b] += k * r.binConfidence[b];
        histogram.sumCorrect[b] += k * r.binCorrect[b];
      }
    }
    return expectedCalibrationError(histogram);
  };

  return {
    subjects: S,
    subjectOf,
    multiplicities,
    structureMean(structure, value) {
      const sums = perSubject(S);
      const counts = perSubject(S);
      for (const r of structureSums) {
        if (r.structure !== structure) continue;
        const subject = subjectOf.get(r.subjectId)!;
        sums[subject] = r.sums[value];
        counts[subject] = r.counts[value];
      }
      return interval(weightedMean(sums, counts));
    },
    imageMean: (k) => interval(weightedMean(imageSum[k], slices)),
    ece: () => interval(ece),
  };
}

/** What one evaluation's correlations and QC rest on: every structure row, by structure, on the means' subjects. */
interface SubjectRows {
  correlations: ComparedCorrelation[];
  qcSource: QcSource;
}

function subjectRows(means: SubjectMeans, cases: StructureCase[]): SubjectRows {
  const { subjects: S, subjectOf, multiplicities } = means;
  const byStructure = new Map<Structure, Array<{ subject: number; row: StructureCase }>>();
  for (const c of cases) {
    const list = byStructure.get(c.structure) ?? [];
    list.push({ subject: subjectOf.get(c.subjectId)!, row: c });
    byStructure.set(c.structure, list);
  }
  // Per structure with rows, then measure (Evaluation.correlations' order): ρ on every row with
  // the engine's spearman (the same number as Evaluation.correlations), its interval by SubjectSpearman.
  const correlations = STRUCTURES.flatMap((structure) => {
    const rows = byStructure.get(structure);
    if (!rows?.length) return [];
    return UNCERTAINTY_MEASURES.map((measure): ComparedCorrelation => {
      const r = spearman(
        rows.map(({ row }) => row.values[measure]),
        rows.map(({ row }) => row.assd),
      );
      return {
        structure,
        measure,
        spearman: r.rho,
        n: r.n,
        get spearmanCi95() {
          const pairs = rows.map(({ subject, row }) => ({ subject, x: row.values[measure], y: row.assd }));
          return S ? ci(new SubjectSpearman(pairs, S).bootstrap(multiplicities)) : null;
        },
      };
    });
  });
  return { correlations, qcSource: { subjects: S, cases: byStructure, multiplicities } };
}

/** `items` grouped by their evaluation id. */
function byEvaluation<T extends { evaluationId: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.evaluationId);
    if (group) group.push(item);
    else groups.set(item.evaluationId, [item]);
  }
  return groups;
}

/**
 * The compared figures of evaluations `ids` (each with its stored bin count), in `ids` order, each
 * row with the fields `describe(index)` gives it (a row is not to be spread: that would call its getters).
 * `seed` seeds the subject resamples (the same for every evaluation).
 */
export async function compareEvaluations<Description extends object>(
  store: Store,
  evaluations: ReadonlyArray<{ id: string; calibrationBins: number }>,
  scope: SliceScope | undefined,
  seed: number,
  describe: (index: number) => Description,
): Promise<Array<Description & ComparedEvaluation>> {
  const ids = [...new Set(evaluations.map((e) => e.id))];
  const [summaries, means, binSums] = await Promise.all([
    structureSummariesByEvaluation(store, ids, scope),
    imageMeansByEvaluation(store, ids, scope),
    calibrationBinSumsByEvaluation(store, ids, scope),
  ]);
  // Per-subject sums, and every structure row of every evaluation: each read once, on the first
  // field that needs it; the rows only for correlations and QC.
  let meansRead: Promise<Map<string, SubjectMeans>> | undefined;
  const readMeans = async () => {
    const bins = Math.max(0, ...evaluations.map((e) => e.calibrationBins));
    const [structureSums, imageSums] = await Promise.all([
      subjectStructureSums(store, ids, scope),
      subjectImageSums(store, ids, bins, scope),
    ]);
    const sumsOf = byEvaluation(structureSums);
    const imagesOf = byEvaluation(imageSums);
    return new Map(
      evaluations.map((e) => [
        e.id,
        subjectMeans(e.calibrationBins, sumsOf.get(e.id) ?? [], imagesOf.get(e.id) ?? [], seed),
      ]),
    );
  };
  const sumsOfSubjects = () => (meansRead ??= readMeans());
  let rowsRead: Promise<Map<string, SubjectRows>> | undefined;
  const readRows = async () => {
    const [meansOf, cases] = await Promise.all([sumsOfSubjects(), structureCases(store, ids, scope)]);
    const casesOf = byEvaluation(cases);
    return new Map(evaluations.map((e) => [e.id, subjectRows(meansOf.get(e.id)!, casesOf.get(e.id) ?? [])]));
  };
  const later = <T>(id: string, pick: (d: SubjectMeans) => T): Promise<T> =>
    sumsOfSubjects().then((data) => pick(data.get(id)!));
  const laterRows = <T>(id: string, pick: (d: SubjectRows) => T): Promise<T> =>
    (rowsRead ??= readRows()).then((data) => pick(data.get(id)!));

  return evaluations.map((e, index) => {
    const bins = e.calibrationBins;
    const structures = (summaries.get(e.id) ?? []).map((summary) => {
      const mean = (value: StructureValue) => later(e.id, (d) => d.structureMean(summary.structure, value));
      return {
        ...summary,
        get diceCi95() {
          return mean('dice');
        },
        get assdCi95() {
          return mean('assd');
        },
        get hdCi95() {
          return mean('hd');
        },
        get hd95Ci95() {
          return mean('hd95');
        },
      };
    });
    const imageMeans = means.get(e.id);
    return {
      ...describe(index),
      evaluationId: e.id,
      get subjects() {
        return later(e.id, (d) => d.subjects);
      },
      structures,
      calibration: {
        ...calibrationFrom(imageMeans, binSums.get(e.id) ?? [], bins, bins),
        get eceCi95() {
          return later(e.id, (d) => d.ece());
        },
        get nllCi95() {
          return later(e.id, (d) => d.imageMean('nll'));
        },
        get brierCi95() {
          return later(e.id, (d) => d.imageMean('brier'));
        },
      },
      entropy: imageMeans?.entropy ?? null,
      get entropyCi95() {
        return later(e.id, (d) => d.imageMean('entropy'));
      },
      mi: imageMeans?.mi ?? null,
      get miCi95() {
        return later(e.id, (d) => d.imageMean('mi'));
      },
      get correlations() {
        return laterRows(e.id, (d) => d.correlations);
      },
      get qcSource() {
        return laterRows(e.id, (d) => d.qcSource);
      },
    };
  });
}

/** A curve of every row as the API's QcCurve, its points thinned to `maxPoints`. */
function curveResult(points: Array<[number, number]>, n: number, poor: number, maxPoints: number): QcCurveResult {
  return {
    n,
    poor,
    auc: trapezoidArea(points),
    points: thinCurvePoints(points, maxPoints).map(([flagged, remaining]) => ({ flagged, remaining })),
    reviewAtFn: (target) => reviewFractionAt(points, target),
  };
}

/**
 * Per structure in scope: the QC curve by `measure` over every row (the same curve as
 * Evaluation.qcCurve), the random and slice-position baselines, the review fractions at `target`
 * and intervals for the measure's AUC and review fraction.
 */
export function comparisonQc(source: QcSource, measure: UncertaintyMeasureName, target: number, maxPoints: number) {
  const ones = new Int32Array(source.subjects).fill(1);
  return STRUCTURES.flatMap((structure) => {
    const rows = source.cases.get(structure);
    if (!rows?.length) return [];
    const n = rows.length;
    const poor = rows.filter((r) => r.row.poor).length;
    const byMeasure = new SubjectQcCurve(
      rows.map(({ subject, row }) => ({ subject, score: row.scores[measure], poor: row.poor })),
      source.subjects,
    );
    const byPosition = new SubjectQcCurve(
      rows.map(({ subject, row }) => ({ subject, score: row.positionScore, poor: row.poor })),
      source.subjects,
    );
    const curve = curveResult(byMeasure.points(ones)!, n, poor, maxPoints);
    const slicePosition = curveResult(byPosition.points(ones)!, n, poor, maxPoints);
    const random = randomBaselineCurve(n, poor);
    let resampled: { auc: Interval95 | null; reviewAt: Interval95 | null } | null = null;
    const intervals = () => {
      if (!resampled) {
        const b = byMeasure.bootstrap(source.multiplicities, target);
        resampled = { auc: ci(b.auc), reviewAt: ci(b.reviewAt) };
      }
      return resampled;
    };
    return [
      {
        structure,
        measure,
        target,
        curve,
        random,
        slicePosition,
        reviewAt: curve.reviewAtFn(target) as number,
        randomReviewAt: random.reviewAtFn(target) as number,
        slicePositionReviewAt: slicePosition.reviewAtFn(target) as number,
        // Resampled only when asked for (the Study view shows the review fractions alone).
        get aucCi95() {
          return intervals().auc;
        },
        get reviewAtCi95() {
          return intervals().reviewAt;
        },
      },
    ];
  });
}
