/**
 * `cardiac-uq qc --scores scores.csv [--json]` (docs/design.md "The cardiac-uq command"): the
 * quality-control curve of an uncertainty score against poor-segmentation flags (qc-curve.ts):
 * segmentations flagged in descending uncertainty (ties together), points (flagged fraction, poor
 * fraction remaining), trapezoid AUC, and the review fraction needed to leave ≤ 5 % poor; plus the
 * random-review baseline. CSV header `uncertainty,poor` (other columns ignored); poor is 0/1/true/false.
 * Failure detection (docs/design.md "Definitions" → "Failure detection"): AURC, E-AURC, AUGRC with
 * risk = poor and, given a `dice` column, with risk = 1 − Dice, and the AUROC of the uncertainty
 * for poor cases. Given a `subject` column, 95 % intervals of the QC AUC, the review fraction at
 * 5 % and the AUROC from the seeded subject bootstrap (engine/statistics/bootstrap.ts).
 */
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { InvalidInputError } from '../../engine/errors';
import { failureAuroc } from '../../engine/metrics/failure-auroc';
import { qcCurve, randomReviewBaseline } from '../../engine/metrics/qc-curve';
import { riskCoverage } from '../../engine/metrics/risk-coverage';
import {
  DEFAULT_BOOTSTRAP_RESAMPLES,
  groupBySubject,
  subjectBootstrap,
  type Statistic,
} from '../../engine/statistics/bootstrap';
import { readInputFile, requireOption } from './metrics';

export interface QcOptions {
  scores: string;
  json?: boolean;
  seed?: string;
  resamples?: string;
}

export interface ScoreTable {
  scores: number[];
  poor: boolean[];
  /** Present when the CSV has a `dice` column. */
  dice?: number[];
  /** Present when the CSV has a `subject` column. */
  subjects?: string[];
}

export function parseScores(text: string, path: string): ScoreTable {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, trim: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new InvalidInputError('BAD_FORMAT', `${path}: malformed CSV: ${(error as Error).message}`);
  }
  if (rows.length === 0)
    throw new InvalidInputError('BAD_FORMAT', `${path}: empty file; expected a header "uncertainty,poor"`);
  const header = rows[0].map((h) => h.toLowerCase());
  const iu = header.indexOf('uncertainty');
  const ip = header.indexOf('poor');
  if (iu < 0 || ip < 0) {
    throw new InvalidInputError(
      'BAD_FORMAT',
      `${path}: header is "${rows[0].join(',')}"; expected columns "uncertainty" and "poor"`,
    );
  }
  if (rows.length === 1) throw new InvalidInputError('BAD_FORMAT', `${path}: no data rows`);
  const id = header.indexOf('dice');
  const is = header.indexOf('subject');
  const scores: number[] = [];
  const poor: boolean[] = [];
  const dice: number[] = [];
  const subjects: string[] = [];
  for (let r = 1; r < rows.length; r++) {
    const line = r + 1;
    const u = rows[r][iu];
    const value = u === '' ? NaN : Number(u);
    if (!Number.isFinite(value))
      throw new InvalidInputError('BAD_FORMAT', `${path} line ${line}: uncertainty "${u}" is not a finite number`);
    const p = rows[r][ip].toLowerCase();
    if (p !== '0' && p !== '1' && p !== 'true' && p !== 'false') {
      throw new InvalidInputError(
        'BAD_FORMAT',
        `${path} line ${line}: poor "${rows[r][ip]}" must be 0, 1, true or false`,
      );
    }
    scores.push(value);
    poor.push(p === '1' || p === 'true');
    if (id >= 0) {
      const d = rows[r][id] === '' ? NaN : Number(rows[r][id]);
      if (!(d >= 0 && d <= 1))
        throw new InvalidInputError(
          'BAD_FORMAT',
          `${path} line ${line}: dice "${rows[r][id]}" must be a number in [0, 1]`,
        );
      dice.push(d);
    }
    if (is >= 0) {
      if (rows[r][is] === '') throw new InvalidInputError('BAD_FORMAT', `${path} line ${line}: subject is empty`);
      subjects.push(rows[r][is]);
    }
  }
  return { scores, poor, ...(id >= 0 ? { dice } : {}), ...(is >= 0 ? { subjects } : {}) };
}

function integerOption(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidInputError('BAD_ARGUMENT', `${name} must be an integer ≥ ${min}, got "${value}"`);
  }
  return n;
}

interface Row {
  score: number;
  poor: boolean;
}

const qcAuc: Statistic<Row> = (rows) =>
  qcCurve(
    rows.map((r) => r.score),
    rows.map((r) => r.poor),
  ).auc;
const qcReview: Statistic<Row> = (rows) =>
  qcCurve(
    rows.map((r) => r.score),
    rows.map((r) => r.poor),
  ).reviewFraction;
const rowsAuroc: Statistic<Row> = (rows) =>
  failureAuroc(
    rows.map((r) => r.score),
    rows.map((r) => r.poor),
  );

function failureFigures(scores: number[], risk: number[]) {
  const rc = riskCoverage(scores, risk);
  return { aurc: rc.aurc, e_aurc: rc.eAurc, augrc: rc.augrc, points: rc.points };
}

export function runQc(options: QcOptions): string {
  requireOption(options.scores, '--scores');
  const seed = integerOption(options.seed, '--seed', 0, 0);
  const resamples = integerOption(options.resamples, '--resamples', DEFAULT_BOOTSTRAP_RESAMPLES, 1);
  const bytes = readInputFile(options.scores, 'scores');
  const text = new TextDecoder('utf-8').decode(bytes);
  const { scores, poor, dice, subjects } = parseScores(text, options.scores);
  const curve = qcCurve(scores, poor);
  const random = randomReviewBaseline(curve.n, curve.poor);
  const byPoor = failureFigures(scores, poor.map(Number));
  const byDice =
    dice &&
    failureFigures(
      scores,
      dice.map((d) => 1 - d),
    );
  const auroc = failureAuroc(scores, poor);
  let intervals: Record<'auc' | 'review_at_5pct' | 'auroc', [number, number] | null> | undefined;
  let bootstrap: { seed: number; resamples: number; subjects: number; auroc_undefined: number } | undefined;
  if (subjects) {
    const groups = groupBySubject(
      scores.map((score, i) => ({ score, poor: poor[i], subject: subjects[i] })),
      (r) => r.subject,
    );
    const run = (statistic: Statistic<Row>) => subjectBootstrap(groups, statistic, { seed, resamples });
    const a = run(rowsAuroc);
    intervals = { auc: run(qcAuc).interval, review_at_5pct: run(qcReview).interval, auroc: a.interval };
    bootstrap = { seed, resamples, subjects: groups.length, auroc_undefined: a.undefinedResamples };
  }
  if (options.json) {
    return JSON.stringify({
      points: curve.points,
      auc: curve.auc,
      review_at_5pct: curve.reviewFraction,
      n: curve.n,
      poor: curve.poor,
      random: { auc: random.auc, review_at_5pct: random.reviewFraction },
      aurc: byPoor.aurc,
      e_aurc: byPoor.e_aurc,
      augrc: byPoor.augrc,
      risk_coverage: byPoor.points,
      ...(byDice
        ? {
            one_minus_dice: {
              aurc: byDice.aurc,
              e_aurc: byDice.e_aurc,
              augrc: byDice.augrc,
              risk_coverage: byDice.points,
            },
          }
        : {}),
      auroc,
      ...(intervals ? { intervals, bootstrap } : {}),
    });
  }
  const num = (v: number | null) => (v === null ? 'undefined' : v.toFixed(4));
  const range = (v: [number, number] | null | undefined) => (v ? ` [95% ${v[0].toFixed(4)}, ${v[1].toFixed(4)}]` : '');
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const lines = [
    `${curve.n} segmentations, ${curve.poor} poor (${pct(curve.poor / curve.n)})`,
    `AUC ${curve.auc.toFixed(4)} (random review ${random.auc.toFixed(4)})`,
    `review needed for ≤ 5% poor remaining: ${pct(curve.reviewFraction)} (random review ${pct(random.reviewFraction)})`,
    `risk = poor: AURC ${num(byPoor.aurc)}, E-AURC ${num(byPoor.e_aurc)}, AUGRC ${num(byPoor.augrc)}; AUROC for poor ${num(auroc)}`,
    ...(byDice
      ? [`risk = 1 − Dice: AURC ${num(byDice.aurc)}, E-AURC ${num(byDice.e_aurc)}, AUGRC ${num(byDice.augrc)}`]
      : []),
    ...(intervals && bootstrap
      ? [
          `subject bootstrap (${bootstrap.subjects} subjects, ${resamples} resamples, seed ${seed}): AUC${range(intervals.auc)}, review at 5%${range(intervals.review_at_5pct)}, AUROC${range(intervals.auroc)}`,
        ]
      : []),
    'flagged   poor remaining',
    ...curve.points.map(([f, r]) => `${pct(f).padStart(7)}   ${pct(r).padStart(14)}`),
  ];
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('qc')
    .description(
      'quality-control curve: flag segmentations in descending uncertainty, poor fraction remaining vs fraction flagged',
    )
    .option(
      '--scores <file>',
      '(required) CSV with header "uncertainty,poor" (poor: 0/1/true/false); optional columns "dice" (0..1: adds risk = 1 − Dice) and "subject" (adds bootstrap intervals)',
    )
    .option('--seed <n>', 'seed of the subject bootstrap', '0')
    .option('--resamples <n>', 'subject bootstrap resamples', String(DEFAULT_BOOTSTRAP_RESAMPLES))
    .option(
      '--json',
      'print JSON: {"points":[[flagged,remaining],…],"auc","review_at_5pct","n","poor","random","aurc","e_aurc","augrc","risk_coverage":[[coverage,risk],…],"auroc"[,"one_minus_dice":{…}][,"intervals":{"auc","review_at_5pct","auroc"},"bootstrap"]}',
    )
    .action((options: QcOptions) => {
      process.stdout.write(runQc(options) + '\n');
    });
}
