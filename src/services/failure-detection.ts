/**
 * Failure detection of an evaluation per structure × uncertainty measure (docs/design.md
 * "Failure detection"), over every stored structure row in scope: the rows come from SQL
 * (store/failure-detection-rows.ts), the figures from the engine — AURC, E-AURC and AUGRC with
 * risk = 1 − Dice and with risk = poor, the risk–coverage curves (thinned to `maxPoints` for
 * drawing; the areas use every row) and the AUROC of the score for detecting poor segmentations.
 * Each figure has a 95 % subject-bootstrap interval (docs/design.md "Bootstrap intervals"): the
 * subjects of the rows read, ordered by id, resampled with subjectMultiplicities(S,
 * FAILURE_RESAMPLES, seed) as compare does, each figure recomputed on the resample from subject
 * weights (SubjectFailureDetection); getters, resampled only when a request selects an interval.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { STRUCTURES, UNCERTAINTY_MEASURES, type UncertaintyMeasureName } from '../domain/constants';
import { failureAuroc } from '../engine/metrics/failure-auroc';
import { thinCurvePoints } from '../engine/metrics/qc-curve';
import { riskCoverage } from '../engine/metrics/risk-coverage';
import { subjectMultiplicities, type BootstrapInterval } from '../engine/statistics/bootstrap';
import { SubjectFailureDetection } from '../engine/statistics/subject-failure-detection';
import { failureRows } from '../store/failure-detection-rows';
import type { SliceScope } from '../store/scope-sql';
import type { Interval95 } from './comparison';

export const FAILURE_RESAMPLES = 1000;

export interface RiskCoverageSummary {
  aurc: number | null;
  eAurc: number | null;
  augrc: number | null;
  points: Array<{ coverage: number; risk: number }>;
  aurcCi95: Interval95 | null;
  eAurcCi95: Interval95 | null;
  augrcCi95: Interval95 | null;
}

export interface FailureDetection {
  structure: Structure;
  measure: UncertaintyMeasureName;
  n: number;
  poor: number;
  /** Subjects of the rows: the units the intervals resample. */
  subjects: number;
  auroc: number | null;
  aurocCi95: Interval95 | null;
  /** risk = 1 − Dice */
  diceRisk: RiskCoverageSummary;
  /** risk = poor (0/1) */
  poorRisk: RiskCoverageSummary;
}

const ci = (b: BootstrapInterval): Interval95 | null =>
  b.interval ? { low: b.interval[0], high: b.interval[1] } : null;

/** The figures' intervals over the resamples, computed on first use. */
type Intervals = () => ReturnType<SubjectFailureDetection['bootstrap']>;

function lazyIntervals(detection: SubjectFailureDetection, multiplicities: () => Int32Array[]): Intervals {
  let done: ReturnType<Intervals> | null = null;
  return () => (done ??= detection.bootstrap(multiplicities()));
}

function summary(scores: number[], risks: number[], maxPoints: number, intervals: Intervals): RiskCoverageSummary {
  const r = riskCoverage(scores, risks);
  return {
    aurc: r.aurc,
    eAurc: r.eAurc,
    augrc: r.augrc,
    points: thinCurvePoints(r.points, maxPoints).map(([coverage, risk]) => ({ coverage, risk })),
    get aurcCi95() {
      return ci(intervals().aurc);
    },
    get eAurcCi95() {
      return ci(intervals().eAurc);
    },
    get augrcCi95() {
      return ci(intervals().augrc);
    },
  };
}

/** null when no row of the structure is in scope. */
export async function failureDetectionOf(
  store: Store,
  evaluationId: string,
  structure: Structure,
  measure: UncertaintyMeasureName,
  scope: SliceScope | undefined,
  maxPoints: number,
  seed = 0,
): Promise<FailureDetection | null> {
  const rows = await failureRows(store, evaluationId, structure, measure, scope);
  if (rows.length === 0) return null;
  const scores = rows.map((r) => r.score);
  const poor = rows.map((r) => r.poor);
  const diceRisks = rows.map((r) => 1 - r.dice);
  const poorRisks = poor.map((p) => (p ? 1 : 0));
  const subjectIds = [...new Set(rows.map((r) => r.subjectId))].sort();
  const subjectOf = new Map(subjectIds.map((id, i) => [id, i]));
  const S = subjectIds.length;
  let multiplicities: Int32Array[] | null = null;
  const draws = () => (multiplicities ??= subjectMultiplicities(S, FAILURE_RESAMPLES, seed));
  const detection = (risks: number[]) =>
    lazyIntervals(
      new SubjectFailureDetection(
        rows.map((r, i) => ({
          subject: subjectOf.get(r.subjectId)!,
          uncertainty: r.score,
          risk: risks[i],
          poor: r.poor,
        })),
        S,
      ),
      draws,
    );
  const byDiceRisk = detection(diceRisks);
  return {
    structure,
    measure,
    n: rows.length,
    poor: poor.filter(Boolean).length,
    subjects: S,
    auroc: failureAuroc(scores, poor),
    get aurocCi95() {
      return ci(byDiceRisk().auroc);
    },
    diceRisk: summary(scores, diceRisks, maxPoints, byDiceRisk),
    poorRisk: summary(scores, poorRisks, maxPoints, detection(poorRisks)),
  };
}

/** Every structure × measure pair with rows in scope, structures then measures in their usual order. */
export async function failureDetectionsOf(
  store: Store,
  evaluationId: string,
  scope: SliceScope | undefined,
  maxPoints: number,
  seed = 0,
): Promise<FailureDetection[]> {
  const out: FailureDetection[] = [];
  for (const structure of STRUCTURES)
    for (const measure of UNCERTAINTY_MEASURES) {
      const fd = await failureDetectionOf(store, evaluationId, structure, measure, scope, maxPoints, seed);
      if (fd) out.push(fd);
    }
  return out;
}
