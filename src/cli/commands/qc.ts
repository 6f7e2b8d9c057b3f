/**
 * `cardiac-uq qc --scores scores.csv [--json]` (docs/design.md "The cardiac-uq command"): the
 * quality-control curve of an uncertainty score against poor-segmentation flags (qc-curve.ts):
 * segmentations flagged in descending uncertainty (ties together), points (flagged fraction, poor
 * fraction remaining), trapezoid AUC, and the review fraction needed to leave ≤ 5 % poor; plus the
 * random-review baseline. CSV header `uncertainty,poor` (other columns ignored); poor is 0/1/true/false.
 */
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { InvalidInputError } from '../../engine/errors';
import { qcCurve, randomReviewBaseline } from '../../engine/metrics/qc-curve';
import { readInputFile, requireOption } from './metrics';

export interface QcOptions {
  scores: string;
  json?: boolean;
}

export function parseScores(text: string, path: string): { scores: number[]; poor: boolean[] } {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, trim: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new InvalidInputError('BAD_FORMAT', `${path}: malformed CSV: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new InvalidInputError('BAD_FORMAT', `${path}: empty file; expected a header "uncertainty,poor"`);
  const header = rows[0].map((h) => h.toLowerCase());
  const iu = header.indexOf('uncertainty');
  const ip = header.indexOf('poor');
  if (iu < 0 || ip < 0) {
    throw new InvalidInputError('BAD_FORMAT', `${path}: header is "${rows[0].join(',')}"; expected columns "uncertainty" and "poor"`);
  }
  if (rows.length === 1) throw new InvalidInputError('BAD_FORMAT', `${path}: no data rows`);
  const scores: number[] = [];
  const poor: boolean[] = [];
  for (let r = 1; r < rows.length; r++) {
    const line = r + 1;
    const u = rows[r][iu];
    const value = u === '' ? NaN : Number(u);
    if (!Number.isFinite(value)) throw new InvalidInputError('BAD_FORMAT', `${path} line ${line}: uncertainty "${u}" is not a finite number`);
    const p = rows[r][ip].toLowerCase();
    if (p !== '0' && p !== '1' && p !== 'true' && p !== 'false') {
      throw new InvalidInputError('BAD_FORMAT', `${path} line ${line}: poor "${rows[r][ip]}" must be 0, 1, true or false`);
    }
    scores.push(value);
    poor.push(p === '1' || p === 'true');
  }
  return { scores, poor };
}

export function runQc(options: QcOptions): string {
  requireOption(options.scores, '--scores');
  const bytes = readInputFile(options.scores, 'scores');
  const text = new TextDecoder('utf-8').decode(bytes);
  const { scores, poor } = parseScores(text, options.scores);
  const curve = qcCurve(scores, poor);
  const random = randomReviewBaseline(curve.n, curve.poor);
  if (options.json) {
    return JSON.stringify({
      points: curve.points,
      auc: curve.auc,
      review_at_5pct: curve.reviewFraction,
      n: curve.n,
      poor: curve.poor,
      random: { auc: random.auc, review_at_5pct: random.reviewFraction },
    });
  }
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const lines = [
    `${curve.n} segmentations, ${curve.poor} poor (${pct(curve.poor / curve.n)})`,
    `AUC ${curve.auc.toFixed(4)} (random review ${random.auc.toFixed(4)})`,
    `review needed for ≤ 5% poor remaining: ${pct(curve.reviewFraction)} (random review ${pct(random.reviewFraction)})`,
    'flagged   poor remaining',
    ...curve.points.map(([f, r]) => `${pct(f).padStart(7)}   ${pct(r).padStart(14)}`),
  ];
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('qc')
    .description('quality-control curve: flag segmentations in descending uncertainty, poor fraction remaining vs fraction flagged')
    .option('--scores <file>', '(required) CSV with header "uncertainty,poor" (poor: 0/1/true/false)')
    .option('--json', 'print JSON: {"points":[[flagged,remaining],…],"auc","review_at_5pct"}')
    .action((options: QcOptions) => {
      process.stdout.write(runQc(options) + '\n');
    });
}
