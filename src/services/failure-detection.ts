/**
 * Failure detection of an evaluation per structure × uncertainty measure (docs/design.md
 * "Failure detection"), over every stored structure row in scope: the rows come from SQL
 * (store/failure-detection-rows.ts), the figures from the engine — AURC, E-AURC and AUGRC with
 * risk = 1 − Dice and with risk = poor, the risk–coverage curves (thinned to `maxPoints` for
 * drawing; the areas use every row) and the AUROC of the score for detecting poor segmentations.
 */
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { STRUCTURES, UNCERTAINTY_MEASURES, type UncertaintyMeasureName } from '../domain/constants';
import { failureAuroc } from '../engine/metrics/failure-auroc';
import { thinCurvePoints } from '../engine/metrics/qc-curve';
import { riskCoverage } from '../engine/metrics/risk-coverage';
import { failureRows } from '../store/failure-detection-rows';
import type { SliceScope } from '../store/scope-sql';

export interface RiskCoverageSummary {
  aurc: number | null;
  eAurc: number | null;
  augrc: number | null;
  points: Array<{ coverage: number; risk: number }>;
}

export interface FailureDetection {
  structure: Structure;
  measure: UncertaintyMeasureName;
  n: number;
  poor: number;
  auroc: number | null;
  /** risk = 1 − Dice */
  diceRisk: RiskCoverageSummary;
  /** risk = poor (0/1) */
  poorRisk: RiskCoverageSummary;
}

function summary(scores: number[], risks: number[], maxPoints: number): RiskCoverageSummary {
  const r = riskCoverage(scores, risks);
  return {
    aurc: r.aurc,
    eAurc: r.eAurc,
    augrc: r.augrc,
    points: thinCurvePoints(r.points, maxPoints).map(([coverage, risk]) => ({ coverage, risk })),
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
): Promise<FailureDetection | null> {
  const rows = await failureRows(store, evaluationId, structure, measure, scope);
  if (rows.length === 0) return null;
  const scores = rows.map((r) => r.score);
  const poor = rows.map((r) => r.poor);
  return {
    structure,
    measure,
    n: rows.length,
    poor: poor.filter(Boolean).length,
    auroc: failureAuroc(scores, poor),
    diceRisk: summary(
      scores,
      rows.map((r) => 1 - r.dice),
      maxPoints,
    ),
    poorRisk: summary(
      scores,
      poor.map((p) => (p ? 1 : 0)),
      maxPoints,
    ),
  };
}

/** Every structure × measure pair with rows in scope, structures then measures in their usual order. */
export async function failureDetectionsOf(
  store: Store,
  evaluationId: string,
  scope: SliceScope | undefined,
  maxPoints: number,
): Promise<FailureDetection[]> {
  const out: FailureDetection[] = [];
  for (const structure of STRUCTURES)
    for (const measure of UNCERTAINTY_MEASURES) {
      const fd = await failureDetectionOf(store, evaluationId, structure, measure, scope, maxPoints);
      if (fd) out.push(fd);
    }
  return out;
}
