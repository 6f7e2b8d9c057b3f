/**
 * Shapes the GraphQL answers into the report's tables: means over repeats per method, distortion
 * medians per level, QC review fractions and the paper's time-saving estimate. Arithmetic on
 * returned numbers only (means across repeats, differences); every per-slice statistic comes from
 * the API.
 */
import type {
  CompareRow,
  EvaluationDetail,
  MeasureName,
  ReportData,
  StructureName,
  SweepPoint,
  VariantResult,
} from './collect';
import { STRUCTURES } from './collect';

export const mean = (xs: Array<number | null | undefined>): number | null => {
  const kept = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : null;
};

export const sd = (xs: Array<number | null | undefined>): number | null => {
  const kept = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (kept.length < 2) return null;
  const m = kept.reduce((a, b) => a + b, 0) / kept.length;
  return Math.sqrt(kept.reduce((a, b) => a + (b - m) ** 2, 0) / (kept.length - 1));
};

export interface MethodSummary {
  label: string;
  repeats: number;
  structures: Record<
    StructureName,
    {
      dice: number | null;
      assd: number | null;
      hd: number | null;
      diceWithin: number | null;
      assdWithin: number | null;
      poorFraction: number | null;
      undefinedCount: number;
      n: number;
    }
  >;
  meanDice: number | null;
  diceSd: number | null;
  meanAssd: number | null;
  nll: number | null;
  brier: number | null;
  ece: number | null;
  entropy: number | null;
  mi: number | null;
  evaluations: EvaluationDetail[];
}

function rowsOf(variants: VariantResult[], site: 'A' | 'B'): Array<{ label: string; detail: EvaluationDetail }> {
  return variants.flatMap((v) => {
    const detail = site === 'A' ? v.siteA : v.siteB;
    return detail ? [{ label: v.label, detail }] : [];
  });
}

/** Per method: the mean over repeats of each evaluation's summary (site A test or site B). */
export function methodSummaries(data: ReportData, site: 'A' | 'B'): MethodSummary[] {
  const rows = rowsOf(data.variants, site);
  return data.labels.flatMap((label) => {
    const mine = rows.filter((r) => r.label === label).map((r) => r.detail);
    if (!mine.length) return [];
    const s = (row: CompareRow, k: StructureName) => row.structures.find((x) => x.structure === k);
    const structures = Object.fromEntries(
      STRUCTURES.map((k) => [
        k,
        {
          dice: mean(mine.map((e) => s(e.row, k)?.dice)),
          assd: mean(mine.map((e) => s(e.row, k)?.assd)),
          hd: mean(mine.map((e) => s(e.row, k)?.hd)),
          diceWithin: mean(mine.map((e) => s(e.row, k)?.diceWithin)),
          assdWithin: mean(mine.map((e) => s(e.row, k)?.assdWithin)),
          poorFraction: mean(
            mine.map((e) => {
              const x = s(e.row, k);
              return x && x.n ? x.poorCount / x.n : null;
            }),
          ),
          undefinedCount: mine.reduce((n, e) => n + (s(e.row, k)?.undefinedCount ?? 0), 0),
          n: mine.reduce((n, e) => n + (s(e.row, k)?.n ?? 0), 0),
        },
      ]),
    ) as MethodSummary['structures'];
    const perRepeatDice = mine.map((e) => mean(STRUCTURES.map((k) => s(e.row, k)?.dice)));
    return [
      {
        label,
        repeats: mine.length,
        structures,
        meanDice: mean(perRepeatDice),
        diceSd: sd(perRepeatDice),
        meanAssd: mean(STRUCTURES.map((k) => structures[k].assd)),
        nll: mean(mine.map((e) => e.row.calibration.nll)),
        brier: mean(mine.map((e) => e.row.calibration.brier)),
        ece: mean(mine.map((e) => e.row.calibration.ece)),
        entropy: mean(mine.map((e) => e.row.entropy)),
        mi: mean(mine.map((e) => e.row.mi)),
        evaluations: mine,
      },
    ];
  });
}

/** Methods ordered best first by a key (ties keep plan order). */
export function rankBy<T extends { label: string }>(
  items: T[],
  key: (t: T) => number | null,
  higherIsBetter: boolean,
): T[] {
  return [...items]
    .filter((t) => key(t) !== null)
    .sort((a, b) => (higherIsBetter ? key(b)! - key(a)! : key(a)! - key(b)!));
}

// ---- distortions ----------------------------------------------------------------------------

export const SWEEP_METRICS = ['dice', 'assd', 'diceWithin', 'assdWithin'] as const;
export const IMAGE_METRICS = ['entropy', 'mi', 'nll', 'brier'] as const;

/** Sweep points of repeat 0 of each method (the box plots), with level 0 = undistorted. */
export function sweepPoints(data: ReportData): Array<SweepPoint & { method: string }> {
  return data.variants
    .filter((v) => v.repeat === 0 && v.sweep)
    .flatMap((v) => v.sweep!.points.map((p) => ({ ...p, method: v.label })));
}

/** Median of a metric at each level 0..L of one kind (level 0 from the undistorted evaluation). */
export function medianCurve(
  points: Array<SweepPoint & { method: string }>,
  method: string,
  kind: string,
  metric: string,
  structure: StructureName | null,
  levels: number[],
): Array<number | null> {
  return [0, ...levels].map((level) => {
    const p = points.find(
      (x) =>
        x.method === method &&
        x.metric === metric &&
        x.structure === structure &&
        (level === 0 ? x.kind === 'NONE' : x.kind === kind && x.level === level),
    );
    return p?.distribution.median ?? null;
  });
}

/** Mean over structures of the per-structure medians. */
export function structureMeanCurve(
  points: Array<SweepPoint & { method: string }>,
  method: string,
  kind: string,
  metric: string,
  levels: number[],
): Array<number | null> {
  const curves = STRUCTURES.map((s) => medianCurve(points, method, kind, metric, s, levels));
  return curves[0].map((_, i) => mean(curves.map((c) => c[i])));
}

export interface RiseCollapse {
  peakLevel: number;
  peak: number;
  last: number;
  start: number;
  risesThenCollapses: boolean;
}

/**
 * "Uncertainty increased with the distortion but decreased after a threshold" (paper): the
 * median peaks at an intermediate degree, above the undistorted value, and the strongest degree
 * falls below 80 % of that peak.
 */
export function riseThenCollapse(curve: Array<number | null>, levels: number[]): RiseCollapse | null {
  if (curve.some((v) => v === null)) return null;
  const values = curve as number[];
  let peakIdx = 0;
  values.forEach((v, i) => {
    if (v > values[peakIdx]) peakIdx = i;
  });
  const last = values[values.length - 1];
  const peak = values[peakIdx];
  return {
    peakLevel: peakIdx === 0 ? 0 : levels[peakIdx - 1],
    peak,
    last,
    start: values[0],
    risesThenCollapses: peakIdx > 0 && peakIdx < values.length - 1 && peak > values[0] && last < 0.8 * peak,
  };
}

// ---- quality control -------------------------------------------------------------------------

/** The paper's scenario: 10 000 subjects × 10 slices, 30 s of manual segmentation per structure. */
export const TIME_SAVING_SCENARIO = { subjects: 10000, slicesPerSubject: 10, secondsPerStructure: 30 };

/** Hours saved over the three structures by reviewing `fraction` instead of `baseline` of all slices. */
export function hoursSaved(perStructure: Array<{ baseline: number; fraction: number }>): number {
  const slices = TIME_SAVING_SCENARIO.subjects * TIME_SAVING_SCENARIO.slicesPerSubject;
  return perStructure.reduce(
    (h, s) => h + ((s.baseline - s.fraction) * slices * TIME_SAVING_SCENARIO.secondsPerStructure) / 3600,
    0,
  );
}

export interface QcSummary {
  label: string;
  structure: StructureName;
  measure: MeasureName;
  auc: number | null;
  reviewAt: number | null;
  randomAuc: number | null;
  randomReviewAt: number | null;
  positionAuc: number | null;
  positionReviewAt: number | null;
  poor: number;
  n: number;
}

/** QC numbers per method × structure × measure, means over repeats (site A test). */
export function qcSummaries(methods: MethodSummary[]): QcSummary[] {
  return methods.flatMap((m) =>
    STRUCTURES.flatMap((structure) =>
      (['ENTROPY', 'MI', 'DICE_WITHIN', 'ASSD_WITHIN'] as const).map((measure) => ({
        label: m.label,
        structure,
        measure,
        auc: mean(m.evaluations.map((e) => e.qc[structure][measure]?.auc)),
        reviewAt: mean(m.evaluations.map((e) => e.qc[structure][measure]?.reviewAt)),
        randomAuc: mean(m.evaluations.map((e) => e.baselines[structure]?.random.auc)),
        randomReviewAt: mean(m.evaluations.map((e) => e.baselines[structure]?.random.reviewAt)),
        positionAuc: mean(m.evaluations.map((e) => e.baselines[structure]?.slicePosition.auc)),
        positionReviewAt: mean(m.evaluations.map((e) => e.baselines[structure]?.slicePosition.reviewAt)),
        poor: m.evaluations.reduce((n, e) => n + (e.qc[structure][measure]?.poor ?? 0), 0),
        n: m.evaluations.reduce((n, e) => n + (e.qc[structure][measure]?.n ?? 0), 0),
      })),
    ),
  );
}

export function timeSavings(qc: QcSummary[], label: string, measure: MeasureName) {
  const rows = STRUCTURES.map((s) =>
    qc.find((q) => q.label === label && q.structure === s && q.measure === measure),
  ).filter((q): q is QcSummary => !!q);
  if (
    rows.length !== 3 ||
    rows.some((r) => r.reviewAt === null || r.randomReviewAt === null || r.positionReviewAt === null)
  )
    return null;
  return {
    vsRandom: hoursSaved(rows.map((r) => ({ baseline: r.randomReviewAt!, fraction: r.reviewAt! }))),
    vsPosition: hoursSaved(rows.map((r) => ({ baseline: r.positionReviewAt!, fraction: r.reviewAt! }))),
    rows,
  };
}

// ---- timings ---------------------------------------------------------------------------------

const seconds = (from: string | null, to: string | null) =>
  from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null;

export interface TimingRow {
  label: string;
  members: number;
  epochs: number;
  trainingWallS: number | null;
  trainingEpochS: number | null;
  trainingComputeS: number;
  samples: number | null;
  slicesA: number | null;
  evalWallPerSliceS: number | null;
}

export function timings(data: ReportData): TimingRow[] {
  return data.labels.flatMap((label) => {
    const mine = data.variants.filter((v) => v.label === label);
    if (!mine.length) return [];
    const epochSeconds = mine.flatMap((v) => v.training.epochs.map((e) => e.seconds));
    return [
      {
        label,
        members: Math.max(...mine.map((v) => v.training.checkpoints.length)),
        epochs: Math.max(0, ...mine.flatMap((v) => v.training.epochs.map((e) => e.epoch))),
        trainingWallS: mean(mine.map((v) => seconds(v.training.run.startedAt, v.training.run.finishedAt))),
        trainingEpochS: mean(epochSeconds),
        trainingComputeS: mean(mine.map((v) => v.training.epochs.reduce((s, e) => s + e.seconds, 0))) ?? 0,
        samples: mine[0].siteA?.samples ?? null,
        slicesA: mine[0].siteA?.slices ?? null,
        evalWallPerSliceS: mean(
          mine.map((v) => {
            const s = v.siteA ? seconds(v.siteA.run.startedAt, v.siteA.run.finishedAt) : null;
            return s !== null && v.siteA ? s / v.siteA.slices : null;
          }),
        ),
      },
    ];
  });
}

/** Wall time of the study's work: first child start to last child finish. */
export function studyWallSeconds(data: ReportData): number | null {
  const starts = data.children
    .map((c) => c.startedAt ?? c.createdAt)
    .filter(Boolean)
    .map((t) => Date.parse(t!));
  const ends = data.children
    .map((c) => c.finishedAt)
    .filter(Boolean)
    .map((t) => Date.parse(t!));
  if (!starts.length || !ends.length) return null;
  const end = Math.max(...ends, data.study.finishedAt ? Date.parse(data.study.finishedAt) : 0);
  return (end - Math.min(...starts, Date.parse(data.study.createdAt))) / 1000;
}
