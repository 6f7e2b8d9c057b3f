/**
 * The report's "Uncertainty with anatomical plausibility" (docs/design.md "Anatomical
 * plausibility"): per variant of repeat 0, the combined QC score fitted on the variant's undistorted
 * validation evaluation (Evaluation.plausibilityQc) and judged on the site-A test split, every
 * distortion kind × level of the sweep and site B, against the uncertainty alone over the same
 * rows: QC AUC and review fraction at 5 %, averaged over the structures with a fit
 * (Evaluation.plausibilityQcSummary), each with its 95 % subject-bootstrap interval and the
 * interval of the paired difference combined − alone, by which a cell reads helps / hurts /
 * inconclusive (verdicts.ts's direction rule: lower is better). The fitted score is held fixed;
 * the intervals resample the judged evaluation's subjects with the report's seeds (site B 1, the
 * rest 0). A variant without a validation evaluation says so (no fit on test data stands in for it).
 */
import type { QcMeasure } from '../engine/metrics/qc-policy';
import { REPORT_BOOTSTRAP } from './analysis';
import type { ReportData, VariantResult } from './collect';
import type { Block } from './document';
import type { GqlClient } from './graphql-client';
import { signed, signedPercent } from './signed-number';
import { directionVerdict } from './verdicts';

export const PLAUSIBILITY_MEASURE: QcMeasure = 'ENTROPY';
/** The levels where the paper sees uncertainty collapse. */
const HEAVY_LEVELS = [3, 4];

export interface Condition {
  name: string;
  kind: string | null;
  level: number | null;
  evaluationId: string;
}

type Ci95 = { low: number; high: number } | null;

/** As Evaluation.plausibilityQcSummary gives a figure: alone, combined, combined − alone, intervals. */
export interface PairedFigure {
  uncertainty: number;
  uncertaintyCi95: Ci95;
  combined: number;
  combinedCi95: Ci95;
  difference: number;
  differenceCi95: Ci95;
}

export type Effect = 'helps' | 'hurts' | 'inconclusive';

export interface Judged {
  condition: Condition;
  /** Means over the structures with a fit. */
  auc: PairedFigure;
  reviewAt: PairedFigure;
}

/** helps: the interval of combined − alone lies below 0 (lower is better); hurts: above; else inconclusive. */
export function effectOf(f: PairedFigure): Effect {
  const v = directionVerdict(f.differenceCi95 ? [f.differenceCi95.low, f.differenceCi95.high] : null, 'below');
  return v === 'agrees' ? 'helps' : v === 'differs' ? 'hurts' : 'inconclusive';
}

interface StoredEvaluation {
  id: string;
  split: string;
  distortionKind: string | null;
  datasetId: string;
  variant: string;
}

/** The training run's undistorted validation evaluation of its own (site-A) dataset, if any. */
async function validationEvaluation(gql: GqlClient, v: VariantResult): Promise<string | null> {
  const data = await gql<{ evaluations: StoredEvaluation[] }>(
    `query($id: ID!) { evaluations(trainingRunId: $id) { id split distortionKind datasetId variant } }`,
    { id: v.training.run.id },
  );
  const own = v.siteA ? data.evaluations.find((e) => e.id === v.siteA!.id)?.datasetId : undefined;
  const val = data.evaluations.find(
    (e) =>
      e.split === 'VAL' &&
      e.distortionKind === 'NONE' &&
      (!own || e.datasetId === own) &&
      !/\+(TTA|TS)/.test(e.variant),
  );
  return val?.id ?? null;
}

/** The report's seed for the condition's subjects: site B its own, site A test and the sweeps site A's. */
const seedOf = (c: Condition) => (c.name === 'site B' ? REPORT_BOOTSTRAP.seedB : REPORT_BOOTSTRAP.seedA);

function conditions(v: VariantResult): Condition[] {
  const out: Condition[] = [];
  if (v.siteA) out.push({ name: 'site A test', kind: null, level: null, evaluationId: v.siteA.id });
  for (const e of [...(v.sweep?.evaluations ?? [])]
    .filter((x) => x.kind !== 'NONE')
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.level - b.level))
    out.push({ name: `${e.kind.toLowerCase()} ${e.level}`, kind: e.kind, level: e.level, evaluationId: e.id });
  if (v.siteB) out.push({ name: 'site B', kind: null, level: null, evaluationId: v.siteB.id });
  return out;
}

const CI = '{ low high }';
const PAIRED = `uncertainty uncertaintyCi95 ${CI} combined combinedCi95 ${CI} difference differenceCi95 ${CI}`;

/**
 * One condition judged: the means over the structures with a fit (a structure whose fit set has
 * no poor or no good slice has none; it is added to `unfit`); null when no structure has one.
 */
async function judge(gql: GqlClient, fitId: string, condition: Condition, unfit: Set<string>): Promise<Judged | null> {
  const data = await gql<{ evaluation: { plausibilityQcSummary: any } }>(
    `query($id: ID!, $fit: ID!, $seed: Int!) { evaluation(id: $id) {
      plausibilityQcSummary(fitEvaluationId: $fit, measure: ${PLAUSIBILITY_MEASURE}, target: 0.05, seed: $seed) {
        unfit { structure } auc { ${PAIRED} } reviewAt { ${PAIRED} } } } }`,
    { id: condition.evaluationId, fit: fitId, seed: seedOf(condition) },
  );
  const q = data.evaluation.plausibilityQcSummary;
  for (const u of q.unfit) unfit.add(u.structure);
  return q.auc && q.reviewAt ? { condition, auc: q.auc, reviewAt: q.reviewAt } : null;
}

const fixed3 = (x: number) => x.toFixed(3);
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const signed3 = (x: number) => signed(x, 3);

/** "0.123 [0.100, 0.150]"; "[—]" when no resample defines the figure. */
const withCi = (x: number, ci: Ci95, f: (v: number) => string) =>
  `${f(x)} [${ci ? `${f(ci.low)}, ${f(ci.high)}` : '—'}]`;

/** "alone [interval] → combined [interval]". */
export function pairCell(p: PairedFigure, f: (v: number) => string): string {
  return `${withCi(p.uncertainty, p.uncertaintyCi95, f)} → ${withCi(p.combined, p.combinedCi95, f)}`;
}

/** "−0.012 [−0.020, −0.004] helps". */
export function differenceCell(p: PairedFigure, f: (v: number) => string): string {
  return `${withCi(p.difference, p.differenceCi95, f)} ${effectOf(p)}`;
}

export async function plausibilityQcBlocks(gql: GqlClient, data: ReportData): Promise<Block[]> {
  const blocks: Block[] = [
    { type: 'h3', text: 'Uncertainty with anatomical plausibility' },
    {
      type: 'p',
      text: `Per method, a combined QC score of the ${PLAUSIBILITY_MEASURE} and the mean segmentation's anatomical plausibility (components, holes, myocardium closing around the LV, RV touching the LV, area jumps between neighbouring slices; a ridge-logistic model of P(poor), docs/design.md "Anatomical plausibility"), fitted per structure on the method's undistorted validation split and judged on the test conditions below against the ${PLAUSIBILITY_MEASURE} alone over the same slices. Cells: QC AUC (smaller is better) and review fraction at 5 % poor left, each the mean over LV, MYO and RV, "alone [95 % interval] → combined [95 % interval]", and the paired difference combined − alone [95 % interval]. The score is fitted once per structure on the validation evaluation and held fixed; the intervals are subject bootstraps of the judged evaluation (${REPORT_BOOTSTRAP.resamples} resamples of its subjects with all their slices, seed ${REPORT_BOOTSTRAP.seedA} for site A test and the sweeps, ${REPORT_BOOTSTRAP.seedB} for site B; the difference computed inside each resample, on the same drawn subjects), so they span the sampling of test subjects, not the uncertainty of the fit. A difference reads helps when its interval lies below 0, hurts when it lies above 0, inconclusive when it contains 0.`,
    },
  ];
  const results: Array<{ label: string; judged: Judged[]; unfit: string[] }> = [];
  const missing: string[] = [];
  for (const v of data.variants.filter((x) => x.repeat === 0)) {
    const fit = await validationEvaluation(gql, v);
    if (!fit) {
      missing.push(v.label);
      continue;
    }
    const judged: Judged[] = [];
    const unfit = new Set<string>();
    for (const c of conditions(v)) {
      const j = await judge(gql, fit, c, unfit);
      if (j) judged.push(j);
    }
    results.push({ label: v.label, judged, unfit: [...unfit] });
  }
  if (missing.length)
    blocks.push({
      type: 'p',
      text: `No undistorted validation evaluation for ${missing.join(', ')}: no combined score is fitted for ${missing.length === 1 ? 'it' : 'them'}.`,
    });
  const unfit = results.filter((r) => r.unfit.length);
  if (unfit.length)
    blocks.push({
      type: 'p',
      text: `No fit (the validation split has no poor or no good slice of the structure, so no logistic model exists), left out of the means: ${unfit.map((r) => `${r.label} ${r.unfit.join(', ')}`).join('; ')}.`,
    });
  if (results.length === 0) return blocks;
  const names = [...new Set(results.flatMap((r) => r.judged.map((j) => j.condition.name)))];
  const cell = (r: (typeof results)[number], name: string, format: (j: Judged) => string) => {
    const j = r.judged.find((x) => x.condition.name === name);
    return j ? format(j) : '—';
  };
  for (const [what, pick, f, signed] of [
    ['QC AUC', (j: Judged) => j.auc, fixed3, signed3],
    ['review fraction at 5 %', (j: Judged) => j.reviewAt, percent, signedPercent],
  ] as const) {
    blocks.push({
      type: 'table',
      caption: `${what}, ${PLAUSIBILITY_MEASURE} alone → combined with plausibility (mean over structures) [95 % subject-bootstrap intervals]`,
      header: ['condition', ...results.map((r) => r.label)],
      rows: names.map((name) => [name, ...results.map((r) => cell(r, name, (j) => pairCell(pick(j), f)))]),
    });
    blocks.push({
      type: 'table',
      caption: `${what}: combined − ${PLAUSIBILITY_MEASURE} alone, paired (the same drawn subjects) [95 % interval], and what the interval says`,
      header: ['condition', ...results.map((r) => r.label)],
      rows: names.map((name) => [name, ...results.map((r) => cell(r, name, (j) => differenceCell(pick(j), signed)))]),
    });
  }
  blocks.push({ type: 'p', text: plausibilityFinding(results.flatMap((r) => r.judged)) });
  return blocks;
}

/** The section's finding: helps / hurts / inconclusive by the paired intervals, heavy levels apart. */
export function plausibilityFinding(all: readonly Judged[]): string {
  const heavy = all.filter((j) => j.condition.kind && HEAVY_LEVELS.includes(j.condition.level!));
  const light = all.filter((j) => !(j.condition.kind && HEAVY_LEVELS.includes(j.condition.level!)));
  const counts = (js: readonly Judged[], pick: (j: Judged) => PairedFigure) => {
    const n = (e: Effect) => js.filter((j) => effectOf(pick(j)) === e).length;
    return `helps in ${n('helps')}, hurts in ${n('hurts')} and is inconclusive in ${n('inconclusive')} of ${js.length}`;
  };
  const meanChange = (js: readonly Judged[]) =>
    js.length ? signed3(js.reduce((a, j) => a + j.auc.difference, 0) / js.length) : '—';
  return `Finding, judged by the 95 % interval of the paired difference (combined − alone): at distortion levels ${HEAVY_LEVELS.join(' and ')} the combined score ${counts(heavy, (j) => j.auc)} method × condition cells for the QC AUC (mean change ${meanChange(heavy)}), and ${counts(heavy, (j) => j.reviewAt)} for the review fraction at 5 %; elsewhere (undistorted, levels 1–2, site B) it ${counts(light, (j) => j.auc)} for the QC AUC (mean change ${meanChange(light)}), and ${counts(light, (j) => j.reviewAt)} for the review fraction. The intervals hold the fitted score fixed, so they do not include the uncertainty of its coefficients.`;
}
