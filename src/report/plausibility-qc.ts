/**
 * The report's "Uncertainty with anatomical plausibility" (docs/design.md "Anatomical
 * plausibility"): per variant of repeat 0, the combined QC score fitted on the variant's undistorted
 * validation evaluation (Evaluation.plausibilityQc) and judged on the site-A test split, every
 * distortion kind × level of the sweep and site B, against the uncertainty alone over the same
 * rows: QC AUC and review fraction at 5 %, averaged over the three structures. A variant without a
 * validation evaluation says so (no fit on test data stands in for it).
 */
import { STRUCTURES } from '../engine/data/types';
import type { QcMeasure } from '../engine/metrics/qc-policy';
import type { ReportData, VariantResult } from './collect';
import type { Block } from './document';
import type { GqlClient } from './graphql-client';

export const PLAUSIBILITY_MEASURE: QcMeasure = 'ENTROPY';
/** The levels where the paper sees uncertainty collapse. */
const HEAVY_LEVELS = [3, 4];

interface Condition {
  name: string;
  kind: string | null;
  level: number | null;
  evaluationId: string;
}

interface Judged {
  condition: Condition;
  /** Means over the structures with rows: alone, combined. */
  auc: [number, number];
  reviewAt: [number, number];
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

/** One structure's curves, or null when its fit set has no poor or no good slice (no fit exists). */
async function judgeStructure(gql: GqlClient, fitId: string, evaluationId: string, structure: string) {
  try {
    const data = await gql<{ evaluation: { plausibilityQc: any } }>(
      `query($id: ID!, $fit: ID!) { evaluation(id: $id) {
        plausibilityQc(fitEvaluationId: $fit, structure: ${structure}, measure: ${PLAUSIBILITY_MEASURE}, maxPoints: 2) {
          combined { auc reviewAt(target: 0.05) } uncertainty { auc reviewAt(target: 0.05) } } } }`,
      { id: evaluationId, fit: fitId },
    );
    return data.evaluation.plausibilityQc;
  } catch (error) {
    if (/cannot fit on evaluation/.test((error as Error).message)) return null;
    throw error;
  }
}

async function judge(gql: GqlClient, fitId: string, condition: Condition, unfit: Set<string>): Promise<Judged | null> {
  const per: any[] = [];
  for (const s of STRUCTURES) {
    if (unfit.has(s)) continue;
    const q = await judgeStructure(gql, fitId, condition.evaluationId, s);
    if (q === null) unfit.add(s);
    else per.push(q);
  }
  if (per.length === 0) return null;
  const mean = (f: (q: any) => number) => per.reduce((a, q) => a + f(q), 0) / per.length;
  return {
    condition,
    auc: [mean((q) => q.uncertainty.auc), mean((q) => q.combined.auc)],
    reviewAt: [mean((q) => q.uncertainty.reviewAt), mean((q) => q.combined.reviewAt)],
  };
}

const fixed3 = (x: number) => x.toFixed(3);
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

export async function plausibilityQcBlocks(gql: GqlClient, data: ReportData): Promise<Block[]> {
  const blocks: Block[] = [
    { type: 'h3', text: 'Uncertainty with anatomical plausibility' },
    {
      type: 'p',
      text: `Per method, a combined QC score of the ${PLAUSIBILITY_MEASURE} and the mean segmentation's anatomical plausibility (components, holes, myocardium closing around the LV, RV touching the LV, area jumps between neighbouring slices; a ridge-logistic model of P(poor), docs/design.md "Anatomical plausibility"), fitted per structure on the method's undistorted validation split and judged on the test conditions below against the ${PLAUSIBILITY_MEASURE} alone over the same slices. Cells: QC AUC (smaller is better) and review fraction at 5 % poor left, each the mean over LV, MYO and RV, "alone → combined".`,
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
  const cell = (
    r: (typeof results)[number],
    name: string,
    pick: (j: Judged) => [number, number],
    f: (x: number) => string,
  ) => {
    const j = r.judged.find((x) => x.condition.name === name);
    return j ? `${f(pick(j)[0])} → ${f(pick(j)[1])}` : '—';
  };
  for (const [what, pick, f] of [
    ['QC AUC', (j: Judged) => j.auc, fixed3],
    ['review fraction at 5 %', (j: Judged) => j.reviewAt, percent],
  ] as const)
    blocks.push({
      type: 'table',
      caption: `${what}, ${PLAUSIBILITY_MEASURE} alone → combined with plausibility (mean over structures)`,
      header: ['condition', ...results.map((r) => r.label)],
      rows: names.map((name) => [name, ...results.map((r) => cell(r, name, pick, f))]),
    });
  const all = results.flatMap((r) => r.judged);
  const heavy = all.filter((j) => j.condition.kind && HEAVY_LEVELS.includes(j.condition.level!));
  const light = all.filter((j) => !(j.condition.kind && HEAVY_LEVELS.includes(j.condition.level!)));
  const helped = (js: Judged[]) => js.filter((j) => j.auc[1] < j.auc[0]).length;
  const meanGain = (js: Judged[]) => (js.length ? js.reduce((a, j) => a + (j.auc[0] - j.auc[1]), 0) / js.length : 0);
  blocks.push({
    type: 'p',
    text: `Finding: at distortion levels ${HEAVY_LEVELS.join(' and ')} the combined score has the smaller QC AUC in ${helped(heavy)} of ${heavy.length} method × condition cells (mean AUC change ${fixed3(-meanGain(heavy))}); elsewhere (undistorted, levels 1–2, site B) in ${helped(light)} of ${light.length} (mean change ${fixed3(-meanGain(light))}). Each cell is one fit and one judged evaluation, without an interval: differences of a few thousandths are not findings.`,
  });
  return blocks;
}
