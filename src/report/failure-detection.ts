/**
 * The report's "Further calibration measures and failure detection" section (docs/design.md "More
 * calibration measures", "Failure detection"): per method (variant, repeat 0) on the undistorted
 * site-A test evaluation, the equal-width ECE beside MCE, class-wise ECE and adaptive ECE (with its
 * error bound, or why it is missing) from `Evaluation.calibrationMeasures`, and per structure and
 * uncertainty measure AURC, E-AURC and AUGRC with risk = 1 − Dice and with risk = poor and the
 * AUROC for poor segmentations from `Evaluation.failureDetections`, each with its 95 %
 * subject-bootstrap interval from the API (`…Ci95`, the site-A seed of the report's other
 * intervals: the subjects of the rows ordered by id, each figure recomputed on the resampled
 * slices), with the risk–coverage curves (risk = 1 − Dice) drawn per structure and measure.
 * Nothing is recomputed here.
 */
import { REPORT_BOOTSTRAP } from './analysis';
import * as charts from './charts';
import { MEASURES, STRUCTURES, type MeasureName, type ReportData, type StructureName } from './collect';
import type { Block } from './document';
import type { GqlClient } from './graphql-client';

type FigureFn = (name: string, spec: Record<string, unknown>, caption: string, sources: string[]) => Promise<void>;

export interface CalibrationMeasures {
  slices: number;
  ece: number | null;
  mce: number | null;
  classwiseEce: number | null;
  adaptiveEce: number | null;
  adaptiveEceErrorBound: number | null;
  unavailable: string | null;
}

/** A 95 % interval as the API gives it; null where no resample defines the figure. */
export type Ci95 = { low: number; high: number } | null;

export interface RiskCoverage {
  aurc: number | null;
  eAurc: number | null;
  augrc: number | null;
  aurcCi95: Ci95;
  eAurcCi95: Ci95;
  augrcCi95: Ci95;
  points: Array<{ coverage: number; risk: number }>;
}

export interface FailureDetection {
  structure: StructureName;
  measure: MeasureName;
  n: number;
  poor: number;
  subjects: number;
  auroc: number | null;
  aurocCi95: Ci95;
  diceRisk: RiskCoverage;
  poorRisk: RiskCoverage;
}

export interface MethodFailure {
  method: string;
  evaluationId: string;
  runId: string;
  samples: number;
  calibration: CalibrationMeasures;
  detections: FailureDetection[];
}

/** Points per risk–coverage curve drawn (the areas use every row). */
const CURVE_POINTS = 200;

const CI = '{ low high }';
const RISK = `aurc eAurc augrc aurcCi95 ${CI} eAurcCi95 ${CI} augrcCi95 ${CI} points { coverage risk }`;

export async function collectFailureDetection(gql: GqlClient, data: ReportData): Promise<MethodFailure[]> {
  const out: MethodFailure[] = [];
  for (const v of data.variants.filter((x) => x.repeat === 0)) {
    if (!v.siteA) continue;
    const r = await gql(
      `query($id: ID!, $points: Int!, $seed: Int!) { evaluation(id: $id) {
        calibrationMeasures { slices ece mce classwiseEce adaptiveEce adaptiveEceErrorBound unavailable }
        failureDetections(maxPoints: $points, seed: $seed) {
          structure measure n poor subjects auroc aurocCi95 ${CI} diceRisk { ${RISK} } poorRisk { ${RISK} } } } }`,
      { id: v.siteA.id, points: CURVE_POINTS, seed: REPORT_BOOTSTRAP.seedA },
    );
    if (!r.evaluation) continue;
    out.push({
      method: v.label,
      evaluationId: v.siteA.id,
      runId: v.siteA.runId,
      samples: v.siteA.samples,
      calibration: r.evaluation.calibrationMeasures,
      detections: r.evaluation.failureDetections,
    });
  }
  return out;
}

const fixed = (x: number | null, digits: number) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** "0.1235 [0.1010, 0.1490]" as the report's other cells; "[—]" when no resample defines the figure. */
const withCi = (x: number | null, ci: Ci95, digits: number) =>
  x === null || !Number.isFinite(x)
    ? '—'
    : `${x.toFixed(digits)} [${ci ? `${ci.low.toFixed(digits)}, ${ci.high.toFixed(digits)}` : '—'}]`;

export function calibrationMeasuresTable(rows: MethodFailure[]): Block {
  return {
    type: 'table',
    caption:
      'Site A test, undistorted: calibration of the mean prediction over every pixel of the split — equal-width ECE and MCE (15 bins), class-wise ECE (mean over background, RV, MYO, LV of each class ECE) and adaptive ECE (15 equal-mass bins, ± the bound on its distance from the exact value); — where the evaluation predates the stored histograms',
    header: ['method', 'slices', 'ECE', 'MCE', 'class-wise ECE', 'adaptive ECE'],
    rows: rows.map(({ method, calibration: c }) => [
      method,
      String(c.slices),
      fixed(c.ece, 4),
      fixed(c.mce, 4),
      fixed(c.classwiseEce, 4),
      c.adaptiveEce === null ? '—' : `${fixed(c.adaptiveEce, 4)} ± ${fixed(c.adaptiveEceErrorBound, 4)}`,
    ]),
  };
}

const MEASURE_NAMES: Record<MeasureName, string> = {
  ENTROPY: 'entropy',
  MI: 'MI',
  DICE_WITHIN: '1 − Dice within',
  ASSD_WITHIN: 'ASSD within',
};

export function failureDetectionTable(rows: MethodFailure[]): Block {
  return {
    type: 'table',
    caption: `Site A test, undistorted: failure detection per structure and uncertainty measure over every slice (cases accepted least uncertain first; smaller AURC, E-AURC and AUGRC are better, AUROC of 1 flags every poor segmentation first, 0.5 is chance). Risk = 1 − Dice, and risk = poor (ASSD above the inter-observer threshold or a missed structure). Value [95 % subject-bootstrap interval: ${REPORT_BOOTSTRAP.resamples} resamples of the test subjects with all their slices, seed ${REPORT_BOOTSTRAP.seedA}, each figure recomputed on the resampled slices]`,
    header: [
      'method',
      'structure',
      'measure',
      'n (poor)',
      'AURC 1−Dice',
      'E-AURC 1−Dice',
      'AUGRC 1−Dice',
      'AURC poor',
      'E-AURC poor',
      'AUGRC poor',
      'AUROC poor',
    ],
    rows: rows.flatMap((r) =>
      STRUCTURES.flatMap((structure) =>
        MEASURES.flatMap((measure) => {
          const f = r.detections.find((x) => x.structure === structure && x.measure === measure);
          if (!f) return [];
          return [
            [
              r.method,
              structure,
              MEASURE_NAMES[measure],
              `${f.n} (${f.poor})`,
              withCi(f.diceRisk.aurc, f.diceRisk.aurcCi95, 4),
              withCi(f.diceRisk.eAurc, f.diceRisk.eAurcCi95, 4),
              withCi(f.diceRisk.augrc, f.diceRisk.augrcCi95, 4),
              withCi(f.poorRisk.aurc, f.poorRisk.aurcCi95, 4),
              withCi(f.poorRisk.eAurc, f.poorRisk.eAurcCi95, 4),
              withCi(f.poorRisk.augrc, f.poorRisk.augrcCi95, 4),
              withCi(f.auroc, f.aurocCi95, 3),
            ],
          ];
        }),
      ),
    ),
  };
}

/** The drawn points of every risk–coverage curve with risk = 1 − Dice, one row per point. */
export function riskCoverageRows(rows: MethodFailure[]) {
  return rows.flatMap((r) =>
    r.detections.flatMap((f) =>
      f.diceRisk.points.map((p, order) => ({
        method: r.method,
        structure: f.structure,
        measure: MEASURE_NAMES[f.measure],
        coverage: p.coverage,
        risk: p.risk,
        order,
      })),
    ),
  );
}

export async function failureDetectionSection(
  blocks: Block[],
  gql: GqlClient,
  data: ReportData,
  figure: FigureFn,
): Promise<void> {
  blocks.push({ type: 'h2', text: '5c. Further calibration measures and failure detection (site A test)' });
  const rows = await collectFailureDetection(gql, data);
  if (!rows.length) {
    blocks.push({ type: 'p', text: 'No undistorted site-A test evaluation in this study.' });
    return;
  }
  blocks.push({
    type: 'p',
    text: 'Beside the equal-width ECE: the maximum calibration error (Naeini et al. 2015), class-wise ECE (Kull et al. 2019) and adaptive, equal-mass ECE (Nixon et al. 2019), each pooled over the pixels of every slice; and the failure-detection measures of selective classification as ValUES (Kahl et al. 2024) and torch-uncertainty define them — the area under the risk–coverage curve (AURC), its excess over the optimal ordering (E-AURC), the area under the generalized risk–coverage curve (AUGRC, Traub et al. 2024) — with the risk of a segmentation 1 − Dice or whether it is poor, and the AUROC of the uncertainty for telling poor segmentations from good ones. The unit is one slice and structure, as in the QC curves; each failure-detection figure carries its 95 % subject-bootstrap interval (subjects resampled with all their slices, the figure recomputed on each resample).',
  });
  blocks.push(calibrationMeasuresTable(rows));
  const missing = rows.filter((r) => r.calibration.unavailable);
  if (missing.length)
    blocks.push({
      type: 'p',
      text: missing.map((r) => `${r.method}: ${r.calibration.unavailable}.`).join(' '),
    });
  blocks.push(failureDetectionTable(rows));
  const labels = data.labels.filter((l) => rows.some((r) => r.method === l));
  await figure(
    'risk-coverage',
    charts.riskCoverageCurves(riskCoverageRows(rows), labels, Object.values(MEASURE_NAMES)),
    'Risk–coverage curves on the site-A test split: the mean 1 − Dice of the slices accepted when the least uncertain fraction (coverage) is kept, per structure (columns) and uncertainty measure (rows); lower is better, and the curve of a measure that ranks failures last falls towards the left. Each curve drawn from at most 200 points; the areas in the table use every slice.',
    rows.map(
      (r) =>
        `${r.method}: evaluation ${r.evaluationId} (run ${r.runId}, T = ${r.samples}), calibrationMeasures and failureDetections`,
    ),
  );
}
