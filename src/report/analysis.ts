/**
 * Shapes the GraphQL answers into the report's tables: means over repeats per method, distortion
 * medians per level, QC review fractions and the paper's time-saving estimate, and the 95 %
 * subject-bootstrap interval of each of those figures (subject-intervals.ts; docs/design.md "The
 * report" → "Intervals and verdicts"). Point estimates are the API's numbers; intervals resample
 * the subjects of the stored slice rows the report collected.
 *
 * With several repeats (training seeds) a method's figure is the mean over its repeats, and its
 * interval resamples subjects once per resample and applies the same draw to every repeat's
 * evaluation (all repeats are evaluated on the same test subjects): the interval of the repeat
 * mean over subjects. The spread across seeds is reported beside it as the SD across repeats of
 * the per-repeat figure.
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
import {
  Resampler,
  combine,
  differenceOf,
  meanOf,
  type BootstrapInterval,
  type GroupedEvaluation,
  type QcOrder,
  type Resampled,
} from './subject-intervals';

/** The report's bootstrap: B = 1000 resamples, site A (and the sweeps) seed 0, site B seed 1. */
export const REPORT_BOOTSTRAP = { resamples: 1000, seedA: 0, seedB: 1 };

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

// ---- intervals ------------------------------------------------------------------------------

export type Site = 'A' | 'B';
/** Where an evaluation's subjects come from: site A test, site B, or the repeat-0 distortion sweeps. */
export type Context = Site | 'sweep';

/**
 * A figure of one evaluation, by key: `dice:LV`, `assd:LV`, `hd:LV` (structure means),
 * `meanDice`, `meanAssd` (means over LV, MYO, RV), `nll`, `brier`, `entropy`, `mi` (image means),
 * `ece`, `auc:LV:ASSD_WITHIN` and `review:LV:RANDOM` (QC AUC, review fraction at 5 %; the order
 * a measure, RANDOM or POSITION), `rho:LV:ASSD_WITHIN` (Spearman with ASSD), `median:entropy`
 * and `median:dice:LV` (medians over slices, as the box plots).
 */
export type FigureKey = string;

export function evaluationFigure(g: GroupedEvaluation, key: FigureKey): Resampled {
  const [name, a, b] = key.split(':');
  switch (name) {
    case 'dice':
    case 'assd':
    case 'hd':
      return g.structureMean(a as StructureName, name);
    case 'meanDice':
    case 'meanAssd':
      return meanOf(STRUCTURES.map((s) => g.structureMean(s, name === 'meanDice' ? 'dice' : 'assd')));
    case 'nll':
    case 'brier':
    case 'entropy':
    case 'mi':
      return g.imageMean(name);
    case 'ece':
      return g.ece();
    case 'auc':
    case 'review':
      return g.qc(a as StructureName, b as QcOrder, name);
    case 'rho':
      return g.spearman(a as StructureName, b as MeasureName);
    case 'median':
      return b ? g.median('dice', b as StructureName) : g.median(a as 'entropy' | 'mi' | 'nll' | 'brier');
  }
  throw new RangeError(`unknown figure ${key}`);
}

/** The report's intervals over one ReportData: resamplers per context, memoised per figure. */
export class ReportIntervals {
  private readonly resamplers: Record<Context, Resampler>;
  private readonly memo = new Map<string, BootstrapInterval | null>();

  constructor(private readonly data: ReportData) {
    const rows = (ids: Array<string | undefined>) =>
      new Map(ids.filter((id): id is string => !!id && data.slices.has(id)).map((id) => [id, data.slices.get(id)!]));
    const resamples = REPORT_BOOTSTRAP.resamples;
    this.resamplers = {
      A: new Resampler(rows(data.variants.map((v) => v.siteA?.id)), { seed: REPORT_BOOTSTRAP.seedA, resamples }),
      B: new Resampler(rows(data.variants.map((v) => v.siteB?.id)), { seed: REPORT_BOOTSTRAP.seedB, resamples }),
      sweep: new Resampler(
        rows(data.variants.filter((v) => v.repeat === 0).flatMap((v) => v.sweep?.evaluations.map((e) => e.id) ?? [])),
        { seed: REPORT_BOOTSTRAP.seedA, resamples },
      ),
    };
  }

  resampler(c: Context): Resampler {
    return this.resamplers[c];
  }

  private grouped(site: Site, label: string): GroupedEvaluation[] {
    const r = this.resamplers[site];
    return this.data.variants
      .filter((v) => v.label === label)
      .map((v) => (site === 'A' ? v.siteA : v.siteB)?.id)
      .filter((id): id is string => r.has(id))
      .map((id) => r.of(id)!);
  }

  /** A method's figure on a site: the mean over its repeats, each on the same drawn subjects. */
  method(site: Site, label: string, key: FigureKey): Resampled | null {
    const gs = this.grouped(site, label);
    return gs.length ? meanOf(gs.map((g) => evaluationFigure(g, key))) : null;
  }

  /** A repeat-0 sweep evaluation's figure (level 0: the undistorted one). */
  sweep(label: string, kind: string, level: number, key: FigureKey): Resampled | null {
    const v = this.data.variants.find((x) => x.label === label && x.repeat === 0);
    const e = v?.sweep?.evaluations.find((x) =>
      level === 0 ? x.kind === 'NONE' : x.kind === kind && x.level === level,
    );
    const g = e && this.resamplers.sweep.of(e.id);
    return g ? evaluationFigure(g, key) : null;
  }

  interval(c: Context, figure: Resampled | null, memoKey?: string): BootstrapInterval | null {
    if (!figure) return null;
    const k = memoKey && `${c}|${memoKey}`;
    if (k && this.memo.has(k)) return this.memo.get(k)!;
    const result = this.resamplers[c].interval(figure);
    if (k) this.memo.set(k, result);
    return result;
  }

  /** Interval of a method's figure on a site (repeat mean). */
  methodInterval(site: Site, label: string, key: FigureKey): BootstrapInterval | null {
    return this.interval(site, this.method(site, label, key), `${label}|${key}`);
  }

  /** Interval of a − b, both methods on the same drawn subjects (paired). */
  difference(site: Site, a: string, b: string, key: FigureKey): BootstrapInterval | null {
    const fa = this.method(site, a, key);
    const fb = this.method(site, b, key);
    return fa && fb ? this.interval(site, differenceOf(fa, fb), `${a}−${b}|${key}`) : null;
  }

  /** SD across repeats of the per-repeat figure on all subjects; null for one repeat. */
  repeatSd(site: Site, label: string, key: FigureKey): number | null {
    const all = this.resamplers[site].subjects.map((_, i) => i);
    return sd(this.grouped(site, label).map((g) => evaluationFigure(g, key)(all)));
  }
}

const intervalCache = new WeakMap<ReportData, ReportIntervals>();

/** The intervals of a report's data (one set of draws per context, shared by every section). */
export function intervalsOf(data: ReportData): ReportIntervals {
  let ci = intervalCache.get(data);
  if (!ci) {
    ci = new ReportIntervals(data);
    intervalCache.set(data, ci);
  }
  return ci;
}

/** "0.842 [0.815, 0.866]"; the bracket says "—" when no resample defined the figure. */
export function withInterval(
  x: number | null | undefined,
  ci: BootstrapInterval | null | undefined,
  format: (v: number) => string,
): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (!ci) return format(x);
  return `${format(x)} [${ci.interval ? `${format(ci.interval[0])}, ${format(ci.interval[1])}` : '—'}]`;
}

/** A method's figure as the tables show it: value [95 % interval], and "± SD" across repeats when several. */
export function figureCell(
  ci: ReportIntervals,
  site: Site,
  label: string,
  key: FigureKey,
  value: number | null | undefined,
  format: (v: number) => string,
): string {
  const cell = withInterval(value, ci.methodInterval(site, label, key), format);
  const spread = ci.repeatSd(site, label, key);
  if (spread === null || value === null || value === undefined) return cell;
  const [head, ...rest] = cell.split(' [');
  return `${head} ± ${format(spread)}${rest.length ? ` [${rest.join(' [')}` : ''}`;
}

export const fixed = (digits: number) => (v: number) => v.toFixed(digits);
export const percent = (v: number) => `${(100 * v).toFixed(0)} %`;

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

/** Interval of the hours a method's ordering by `measure` saves against a baseline, on the same drawn subjects for the three structures. */
export function hoursSavedInterval(
  ci: ReportIntervals,
  label: string,
  measure: MeasureName,
  baseline: 'RANDOM' | 'POSITION',
): BootstrapInterval | null {
  const figures = [
    ...STRUCTURES.map((s) => ci.method('A', label, `review:${s}:${measure}`)),
    ...STRUCTURES.map((s) => ci.method('A', label, `review:${s}:${baseline}`)),
  ];
  if (!figures.every((f) => f)) return null;
  return ci.interval(
    'A',
    combine(figures as Resampled[], (v) =>
      hoursSaved(STRUCTURES.map((_, k) => ({ fraction: v[k], baseline: v[k + STRUCTURES.length] }))),
    ),
    `${label}|hours|${measure}|${baseline}`,
  );
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
