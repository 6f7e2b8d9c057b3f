/**
 * Wall time per stage of a study (docs/design.md "The study", stage timings), from what every run
 * stores anyway: each child's start and finish (a sweep's span over its evaluations). One row per
 * child — the datasets, each training, each evaluation or sweep, each temperature fit — labelled as
 * the report labels it, and per stage its span (first start → last finish) and the sum of its runs'
 * wall times (runs share the CPU, so the sum can exceed the span and includes waiting). The CLI
 * prints it at the end of a study and the report shows it; the report's own time is the CLI's.
 */
import { evaluatedVariantLabel, variantLabel, type LabelledEvaluation, type LabelledTraining } from './methods';

export interface TimedRun {
  id: string;
  kind: string;
  config: unknown;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
}

export type TimingStage = 'datasets' | 'training' | 'site-A sweep' | 'site-A test' | 'site B' | 'TTA / TS';

export interface TimingRow {
  stage: TimingStage;
  label: string;
  /** Seconds from the first child's start. */
  startS: number | null;
  wallS: number | null;
}

export interface StageTiming {
  stage: TimingStage;
  runs: number;
  /** First start → last finish of the stage's runs. */
  spanS: number | null;
  /** Sum of the runs' wall times. */
  sumS: number;
}

const ms = (d: Date | string | null) => (d === null ? null : new Date(d).getTime());

type Config = Record<string, unknown> & LabelledTraining;

function rowOf(run: TimedRun, trainings: Map<string, TimedRun>): Omit<TimingRow, 'startS' | 'wallS'> | null {
  const c = (run.config ?? {}) as Config;
  const trainingOf = (id: unknown) => trainings.get(String(id));
  const labelOf = (id: unknown) => {
    const t = trainingOf(id);
    return t ? `${variantLabel(t.config as Config)} seed ${(t.config as Config).seed}` : String(id);
  };
  switch (run.kind) {
    case 'DATASET':
      return { stage: 'datasets', label: String(c.name) };
    case 'TRAIN':
      return {
        stage: 'training',
        label: `${variantLabel(c)} seed ${c.seed}${c.member0From ? ' (member 0 reused from PLAIN)' : ''}`,
      };
    case 'SWEEP':
      return { stage: 'site-A sweep', label: labelOf(c.trainingRunId) };
    case 'CALIBRATE':
      return { stage: 'TTA / TS', label: `${labelOf(c.trainingRunId)} temperature fit` };
    case 'EVALUATE': {
      const t = trainingOf(c.trainingRunId);
      const variant = evaluatedVariantLabel(t?.config as Config, c as LabelledEvaluation);
      const seed = t ? ` seed ${(t.config as Config).seed}` : '';
      const extra = c.testTimeAugmentation === true || !!c.temperatureScaling;
      // A split is one of site A's (the study evaluates all of site B, split null).
      const site = c.split === null || c.split === undefined ? 'site B' : 'site-A test';
      const where = c.split === 'VAL' ? ' validation' : extra ? ` ${site}` : '';
      return { stage: extra ? 'TTA / TS' : site, label: `${variant}${seed}${where}` };
    }
    default:
      return null;
  }
}

export function studyTimings(children: readonly TimedRun[]): { rows: TimingRow[]; stages: StageTiming[] } {
  const trainings = new Map(children.filter((c) => c.kind === 'TRAIN').map((t) => [t.id, t]));
  const starts = children.map((c) => ms(c.startedAt)).filter((t): t is number => t !== null);
  const origin = starts.length ? Math.min(...starts) : 0;
  const rows: Array<TimingRow & { start: number | null; end: number | null }> = [];
  for (const run of children) {
    const row = rowOf(run, trainings);
    if (!row) continue;
    const start = ms(run.startedAt);
    const end = ms(run.finishedAt);
    rows.push({
      ...row,
      start,
      end,
      startS: start === null ? null : (start - origin) / 1000,
      wallS: start === null || end === null ? null : (end - start) / 1000,
    });
  }
  const order: TimingStage[] = ['datasets', 'training', 'site-A sweep', 'site-A test', 'site B', 'TTA / TS'];
  rows.sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage) || (a.startS ?? 1e12) - (b.startS ?? 1e12));
  const stages = order.flatMap((stage): StageTiming[] => {
    const of = rows.filter((r) => r.stage === stage);
    if (!of.length) return [];
    const begin = of.map((r) => r.start).filter((t): t is number => t !== null);
    const finish = of.map((r) => r.end);
    const done = finish.every((t) => t !== null);
    return [
      {
        stage,
        runs: of.length,
        spanS: begin.length && done ? (Math.max(...(finish as number[])) - Math.min(...begin)) / 1000 : null,
        sumS: of.reduce((sum, r) => sum + (r.wallS ?? 0), 0),
      },
    ];
  });
  return { rows: rows.map(({ start: _s, end: _e, ...r }) => r), stages };
}

/** The timings as text lines (the CLI's end-of-study table). */
export function timingLines(t: ReturnType<typeof studyTimings>, extra: Array<[string, number]> = []): string[] {
  const min = (s: number | null) => (s === null ? '—' : `${(s / 60).toFixed(1)} min`);
  return [
    'stage timings (wall; runs share the CPU):',
    ...t.stages.map(
      (s) =>
        `  ${s.stage.padEnd(14)} ${String(s.runs).padStart(3)} run(s)  span ${min(s.spanS).padStart(9)}  sum ${min(s.sumS).padStart(9)}`,
    ),
    ...extra.map(([what, s]) => `  ${what.padEnd(14)}          span ${min(s).padStart(9)}`),
    ...t.rows.map(
      (r) =>
        `    ${r.stage.padEnd(14)} ${r.label.padEnd(44)} start ${min(r.startS).padStart(9)}  wall ${min(r.wallS).padStart(9)}`,
    ),
  ];
}
