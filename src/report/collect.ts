/**
 * Everything the report shows, read through GraphQL: the study run and its children (datasets,
 * trainings with epochs and checkpoints, sweeps, site-B evaluations), the method comparison
 * (`compare`), distortion distributions (`distortionSweep`), and per evaluation its QC curves,
 * baselines and Spearman correlations. Nothing is recomputed here.
 */
import type { Structure } from '../db/generated/enums';
import { STRUCTURES, UNCERTAINTY_MEASURES as MEASURES, type UncertaintyMeasureName } from '../domain/constants';
import { plannedVariantLabel, variantLabel } from '../domain/methods';
import { studyDatasetName } from '../domain/run-config';
import type { GqlClient } from './graphql-client';
import { sliceValues, type SliceValues } from './slice-values';
import { temperaturePairs, type TemperaturePair } from './temperature-scaling';

export { MEASURES, STRUCTURES };
export type StructureName = Structure;
export type MeasureName = UncertaintyMeasureName;

export interface RunInfo {
  id: string;
  kind: string;
  method: string | null;
  status: string;
  config: any;
  seed: number | null;
  datasetId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface StructureSummary {
  structure: StructureName;
  n: number;
  kept: number;
  undefinedCount: number;
  poorCount: number;
  dice: number;
  assd: number | null;
  hd: number | null;
  hd95: number | null;
  diceWithin: number | null;
  assdWithin: number | null;
}

export interface Calibration {
  bins: number;
  ece: number | null;
  nll: number | null;
  brier: number | null;
  points: Array<{ binCentre: number; confidence: number | null; accuracy: number | null; count: number }>;
}

export interface CompareRow {
  evaluationId: string;
  method: string | null;
  trainingRunId: string;
  distortionKind: string;
  distortionLevel: number;
  site: string | null;
  structures: StructureSummary[];
  calibration: Calibration;
  entropy: number | null;
  mi: number | null;
}

export interface QcCurve {
  points: Array<{ flagged: number; remaining: number }>;
  auc: number;
  n: number;
  poor: number;
  reviewAt: number;
}

export interface EvaluationDetail {
  id: string;
  runId: string;
  samples: number;
  slices: number;
  dataset: { id: string; name: string; site: string | null };
  checkpoints: Array<{ id: string; member: number; weightsSha256: string }>;
  run: { startedAt: string | null; finishedAt: string | null };
  row: CompareRow;
  correlations: Array<{ measure: MeasureName; structure: StructureName; spearman: number | null; n: number }>;
  qc: Record<StructureName, Record<MeasureName, QcCurve | null>>;
  baselines: Record<StructureName, { random: QcCurve; slicePosition: QcCurve } | null>;
}

export interface SweepPoint {
  evaluationId: string;
  kind: string;
  level: number;
  structure: StructureName | null;
  metric: string;
  distribution: {
    n: number;
    mean: number | null;
    min: number | null;
    q1: number | null;
    median: number | null;
    q3: number | null;
    max: number | null;
  };
}

export interface Checkpoint {
  id: string;
  member: number;
  epoch: number;
  valNll: number;
  weightsSha256: string;
  backend: string;
  layerStats: {
    sigma?: Array<Record<string, number | string>> | null;
    dropout?: Array<{ layer: string; rate: number }> | null;
  } | null;
}

export interface Training {
  run: RunInfo;
  label: string;
  repeat: number;
  epochs: Array<{ member: number; epoch: number; trainLoss: number; valNll: number; seconds: number }>;
  checkpoints: Checkpoint[];
}

export interface VariantResult {
  label: string;
  repeat: number;
  training: Training;
  sweep?: {
    run: RunInfo;
    points: SweepPoint[];
    evaluations: Array<{
      id: string;
      runId: string;
      kind: string;
      level: number;
      startedAt: string | null;
      finishedAt: string | null;
    }>;
  };
  siteA?: EvaluationDetail;
  siteB?: EvaluationDetail;
}

export interface ReportData {
  study: RunInfo;
  plan: any;
  repeats: number;
  children: RunInfo[];
  datasets: Array<{
    id: string;
    name: string;
    site: string;
    subjectCount: number;
    contentHash: string;
    createdByRun?: string;
  }>;
  variants: VariantResult[];
  /** Labels in the plan's order. */
  labels: string[];
  /**
   * Slice rows per evaluation id, for the subject bootstrap: every site-A test and site-B
   * evaluation, the repeat-0 sweeps, and both sides of each temperature pair.
   */
  slices: Map<string, SliceValues[]>;
  /** Tempered (+TS) evaluations of the study's trainings, each with its untempered twin. */
  temperature: TemperaturePair[];
  generatedAt: string;
}

const RUN_FIELDS = 'id kind method status config seed datasetId createdAt startedAt finishedAt error';
const SUMMARY_FIELDS = 'structure n kept undefinedCount poorCount dice assd hd hd95 diceWithin assdWithin';
const CALIBRATION_FIELDS = 'bins ece nll brier points { binCentre confidence accuracy count }';
const QC_FIELDS = 'points { flagged remaining } auc n poor reviewAt(target: 0.05)';

export async function latestStudyId(gql: GqlClient): Promise<string> {
  const data = await gql<{ runs: { nodes: RunInfo[] } }>(
    `{ runs(filter: { kind: STUDY }, first: 20) { nodes { ${RUN_FIELDS} } } }`,
  );
  const runs = data.runs.nodes;
  const pick = runs.find((r) => r.status === 'SUCCEEDED') ?? runs[0];
  if (!pick) throw new Error('no study in the store: run `cardiac-uq study` first');
  return pick.id;
}

async function evaluationDetail(gql: GqlClient, id: string, row: CompareRow): Promise<EvaluationDetail> {
  const qcAliases = STRUCTURES.flatMap((s) =>
    MEASURES.map((m) => `${s}_${m}: qcCurve(structure: ${s}, measure: ${m}) { ${QC_FIELDS} }`),
  ).join('\n');
  const baselineAliases = STRUCTURES.map(
    (s) => `b_${s}: baselines(structure: ${s}) { random { ${QC_FIELDS} } slicePosition { ${QC_FIELDS} } }`,
  ).join('\n');
  const data = await gql<{ evaluation: any }>(
    `query($id: ID!) { evaluation(id: $id) {
      id runId samples
      dataset { id name site }
      checkpoints { id member weightsSha256 }
      run { startedAt finishedAt config }
      correlations { measure structure spearman n }
      ${qcAliases}
      ${baselineAliases}
    } }`,
    { id },
  );
  const e = data.evaluation;
  const qc = Object.fromEntries(
    STRUCTURES.map((s) => [s, Object.fromEntries(MEASURES.map((m) => [m, e[`${s}_${m}`]]))]),
  ) as EvaluationDetail['qc'];
  const baselines = Object.fromEntries(STRUCTURES.map((s) => [s, e[`b_${s}`]])) as EvaluationDetail['baselines'];
  return {
    id: e.id,
    runId: e.runId,
    samples: e.samples,
    slices: e.run.config.slices,
    dataset: e.dataset,
    checkpoints: e.checkpoints,
    run: { startedAt: e.run.startedAt, finishedAt: e.run.finishedAt },
    row,
    correlations: e.correlations,
    qc,
    baselines,
  };
}

export async function collectReportData(gql: GqlClient, studyRunId: string): Promise<ReportData> {
  const { run: study } = await gql<{ run: RunInfo & { children: RunInfo[] } }>(
    `query($id: ID!) { run(id: $id) { ${RUN_FIELDS} children { ${RUN_FIELDS} } } }`,
    { id: studyRunId },
  );
  if (!study || study.kind !== 'STUDY') throw new Error(`run ${studyRunId} is not a study`);
  const plan = study.config.plan;
  const children = study.children;
  // Derived, not read from the stored plan: a study planned before a label was renamed reads as its runs do.
  const labels: string[] = plan.variants.map(plannedVariantLabel);

  const { datasets } = await gql<{
    datasets: { nodes: Array<{ id: string; name: string; site: string; subjectCount: number; contentHash: string }> };
  }>(`{ datasets(first: 500) { nodes { id name site subjectCount contentHash } } }`);
  const datasetOf = (id: string | null) => datasets.nodes.find((d) => d.id === id);

  const variants: VariantResult[] = [];
  const trainings = children.filter((c) => c.kind === 'TRAIN' && c.status === 'SUCCEEDED');
  const evaluationRows: Array<{ variant: VariantResult; site: 'A' | 'B'; evaluationId: string }> = [];
  for (const run of trainings) {
    const { run: t } = await gql<{ run: { epochs: Training['epochs']; checkpoints: Checkpoint[] } }>(
      `query($id: ID!) { run(id: $id) { epochs { member epoch trainLoss valNll seconds } checkpoints { id member epoch valNll weightsSha256 backend layerStats } } }`,
      { id: run.id },
    );
    const variant: VariantResult = {
      label: variantLabel(run.config),
      repeat: (run.config.seed as number) - plan.seed,
      training: {
        run,
        label: variantLabel(run.config),
        repeat: (run.config.seed as number) - plan.seed,
        epochs: t.epochs,
        checkpoints: t.checkpoints,
      },
    };
    const sweepRun = children
      .filter((c) => c.kind === 'SWEEP' && c.status === 'SUCCEEDED' && c.config.trainingRunId === run.id)
      .pop();
    if (sweepRun) {
      const data = await gql<{
        run: {
          children: Array<
            RunInfo & { evaluations: Array<{ id: string; distortionKind: string; distortionLevel: number }> }
          >;
        };
        distortionSweep: SweepPoint[];
      }>(
        `query($id: ID!) {
          run(id: $id) { children { ${RUN_FIELDS} evaluations { id distortionKind distortionLevel } } }
          distortionSweep(runId: $id) { evaluationId kind level structure metric distribution { n mean min q1 median q3 max } }
        }`,
        { id: sweepRun.id },
      );
      const evaluations = data.run.children.flatMap((c) =>
        c.evaluations.map((e) => ({
          id: e.id,
          runId: c.id,
          kind: e.distortionKind,
          level: e.distortionLevel,
          startedAt: c.startedAt,
          finishedAt: c.finishedAt,
        })),
      );
      variant.sweep = { run: sweepRun, points: data.distortionSweep, evaluations };
    }
    // The site-A test: its own evaluation of every test subject when the sweep ran on a subject sample.
    const siteATest = children
      .filter(
        (c) =>
          c.kind === 'EVALUATE' &&
          c.status === 'SUCCEEDED' &&
          c.config.trainingRunId === run.id &&
          c.config.split === 'TEST' &&
          !c.config.testTimeAugmentation &&
          !c.config.temperatureScaling &&
          !c.config.subjectSample,
      )
      .pop();
    const siteAId = siteATest
      ? (
          await gql<{ run: { evaluations: Array<{ id: string }> } }>(
            `query($id: ID!) { run(id: $id) { evaluations { id } } }`,
            { id: siteATest.id },
          )
        ).run.evaluations[0]?.id
      : variant.sweep?.evaluations.find((e) => e.kind === 'NONE')?.id;
    if (siteAId) evaluationRows.push({ variant, site: 'A', evaluationId: siteAId });
    const siteB = children
      .filter(
        (c) =>
          c.kind === 'EVALUATE' &&
          c.status === 'SUCCEEDED' &&
          c.config.trainingRunId === run.id &&
          // The variant's own evaluation: +TTA and +TS evaluations are other variants.
          !c.config.testTimeAugmentation &&
          !c.config.temperatureScaling &&
          datasetOf(c.config.datasetId)?.site === 'B',
      )
      .pop();
    if (siteB) {
      const { run: r } = await gql<{ run: { evaluations: Array<{ id: string }> } }>(
        `query($id: ID!) { run(id: $id) { evaluations { id } } }`,
        { id: siteB.id },
      );
      const evaluationId = r.evaluations.find((e) => e)?.id;
      if (evaluationId) evaluationRows.push({ variant, site: 'B', evaluationId });
    }
    variants.push(variant);
  }

  // One comparison table across every evaluation (≤ 50 per query).
  const rows: CompareRow[] = [];
  const ids = evaluationRows.map((r) => r.evaluationId);
  for (let i = 0; i < ids.length; i += 50) {
    const data = await gql<{ compare: CompareRow[] }>(
      `query($ids: [ID!]!) { compare(evaluationIds: $ids) {
        evaluationId method trainingRunId distortionKind distortionLevel site entropy mi
        structures { ${SUMMARY_FIELDS} } calibration { ${CALIBRATION_FIELDS} } } }`,
      { ids: ids.slice(i, i + 50) },
    );
    rows.push(...data.compare);
  }
  for (const { variant, site, evaluationId } of evaluationRows) {
    const row = rows.find((r) => r.evaluationId === evaluationId)!;
    const detail = await evaluationDetail(gql, evaluationId, row);
    if (site === 'A') variant.siteA = detail;
    else variant.siteB = detail;
  }

  const order = (v: VariantResult) => labels.indexOf(v.label) * 1000 + v.repeat;
  variants.sort((a, b) => order(a) - order(b));
  const temperature = await temperaturePairs(
    gql,
    variants.map((v) => v.training),
  );
  const slices = new Map<string, SliceValues[]>();
  const full = [
    ...variants.flatMap((v) => [v.siteA?.id, v.siteB?.id]),
    ...temperature.flatMap((p) => [p.before.id, p.after.id]),
  ];
  for (const id of new Set(full)) if (id) slices.set(id, await sliceValues(gql, id));
  for (const v of variants.filter((x) => x.repeat === 0))
    for (const e of v.sweep?.evaluations ?? [])
      if (!slices.has(e.id)) slices.set(e.id, await sliceValues(gql, e.id, 'sweep'));
  return {
    study,
    plan,
    repeats: study.config.repeats,
    children,
    datasets: ['A', 'B'].flatMap((site) => {
      const d = datasets.nodes.find((n) => n.name === studyDatasetName(plan, site as 'A' | 'B'));
      const run = children.find((c) => c.kind === 'DATASET' && c.config.name === d?.name);
      return d ? [{ ...d, createdByRun: run?.id }] : [];
    }),
    variants,
    labels,
    slices,
    temperature,
    generatedAt: new Date().toISOString(),
  };
}
