/**
 * `cardiac-uq policy --scores scores.csv [--target 0.05] [--measure M] [--structure S]
 *  [--checkpoint CKPT] --out P.json` (docs/design.md "Definitions" → "QC policy"): the threshold
 * of a QC rule chosen on labelled data, from the same `uncertainty,poor` CSV `cardiac-uq qc` reads
 * (its uncertainty column is the curve's score: for DICE_WITHIN already 1 − Dice_within).
 *
 * P.json: {"rules":[{"structure","measure","threshold"}],"target","review_fraction","poor_left"}
 * and, with --checkpoint, "checkpoint_sha256" (checkpointSha256 below), which `cardiac-uq segment`
 * checks against the model it runs. threshold null = flag nothing (the target holds without
 * review). The file is written to a temporary name and renamed.
 *
 * Also the policy file's reader for `segment`: rules (≥ 1, no structure/measure twice) with
 * structures and measures we have and a finite or null threshold; target, review_fraction and
 * poor_left in [0, 1] when present; a malformed file is bad input (exit 2).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { STRUCTURES, UNCERTAINTY_MEASURES } from '../../domain/constants';
import { ENSEMBLE_JSON, type EnsembleMeta, readMeta } from '../../engine/checkpoint';
import { InvalidInputError } from '../../engine/errors';
import { DEFAULT_REVIEW_TARGET } from '../../engine/metrics/qc-curve';
import { type QcMeasure, qcThreshold } from '../../engine/metrics/qc-policy';
import { readInputFile, requireOption } from './metrics';
import { parseScores } from './qc';

// The measures the platform names are the ones a rule can flag by.
const MEASURES: readonly QcMeasure[] = UNCERTAINTY_MEASURES;
const DEFAULT_MEASURE: QcMeasure = 'ASSD_WITHIN';
const DEFAULT_STRUCTURE = 'LV';

const fraction = z.number().min(0).max(1);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex');

export const PolicyRule = z.object({
  structure: z.enum(STRUCTURES as ['LV', 'MYO', 'RV']),
  measure: z.enum(UNCERTAINTY_MEASURES),
  threshold: z.number().refine(Number.isFinite, 'must be finite (null = flag nothing)').nullable(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const PolicyFile = z.object({
  rules: z
    .array(PolicyRule)
    .min(1)
    .refine(
      (rules) => new Set(rules.map((r) => `${r.structure}/${r.measure}`)).size === rules.length,
      'a structure and measure appear in two rules',
    ),
  target: fraction.optional(),
  review_fraction: fraction.optional(),
  poor_left: fraction.optional(),
  checkpoint_sha256: sha256.optional(),
});
export type PolicyFile = z.infer<typeof PolicyFile>;

/** A model's identity: its weights SHA-256; an ensemble's is the SHA-256 of its members' in order, joined by ",". */
export function checkpointDigest(weightHashes: readonly string[]): string {
  if (weightHashes.length === 1) return weightHashes[0];
  return createHash('sha256').update(weightHashes.join(',')).digest('hex');
}

/** checkpointDigest of a checkpoint folder from its meta.json (or each member's), without loading weights. */
export function checkpointSha256(dir: string): string {
  if (!fs.existsSync(dir)) throw new InvalidInputError('FILE_NOT_FOUND', `--checkpoint ${dir}: no such folder`);
  const index = path.join(dir, ENSEMBLE_JSON);
  try {
    if (!fs.existsSync(index)) return readMeta(dir).weightsSha256;
    const meta = JSON.parse(fs.readFileSync(index, 'utf8')) as EnsembleMeta;
    return checkpointDigest(meta.members.map((m) => readMeta(path.join(dir, m)).weightsSha256));
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(error.code, `--checkpoint ${dir}: ${error.message}`);
    throw new InvalidInputError(
      'BAD_FORMAT',
      `--checkpoint ${dir}: unreadable checkpoint: ${(error as Error).message}`,
    );
  }
}

/** Reads and validates a policy file; anything malformed is bad input. */
export function readPolicyFile(file: string): PolicyFile {
  const text = new TextDecoder('utf-8').decode(readInputFile(file, 'policy'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError('BAD_FORMAT', `policy ${file}: not JSON: ${(error as Error).message}`);
  }
  const parsed = PolicyFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      'BAD_FORMAT',
      `policy ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

function pick<T extends string>(text: string | undefined, allowed: readonly T[], fallback: T, name: string): T {
  if (text === undefined) return fallback;
  const v = text.trim().toUpperCase();
  const found = allowed.find((a) => a === v);
  if (!found) throw new InvalidInputError('BAD_ARGUMENT', `${name} "${text}": expected one of ${allowed.join(', ')}`);
  return found;
}

/** Writes `file` through a temporary sibling and a rename, so it is never half-written. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface PolicyCliOptions {
  scores?: string;
  target: string;
  measure?: string;
  structure?: string;
  checkpoint?: string;
  out?: string;
}

export function runPolicy(o: PolicyCliOptions): string {
  requireOption(o.scores, '--scores');
  requireOption(o.out, '--out');
  const target = Number(o.target);
  if (o.target.trim() === '' || !(target >= 0 && target <= 1)) {
    throw new InvalidInputError(
      'BAD_ARGUMENT',
      `--target "${o.target}": expected the poor fraction left, a number in [0, 1]`,
    );
  }
  const measure = pick(o.measure, MEASURES, DEFAULT_MEASURE, '--measure');
  const structure = pick(o.structure, STRUCTURES, DEFAULT_STRUCTURE, '--structure');
  const sha = o.checkpoint === undefined ? undefined : checkpointSha256(o.checkpoint);
  const { scores, poor } = parseScores(new TextDecoder('utf-8').decode(readInputFile(o.scores, 'scores')), o.scores);
  const t = qcThreshold(scores, poor, target);
  const policy: PolicyFile = {
    rules: [{ structure, measure, threshold: t.threshold }],
    target,
    review_fraction: t.reviewFraction,
    poor_left: t.poorLeft,
    ...(sha ? { checkpoint_sha256: sha } : {}),
  };
  const outDir = path.dirname(path.resolve(o.out));
  if (!fs.existsSync(outDir))
    throw new InvalidInputError('FILE_NOT_FOUND', `--out ${o.out}: folder ${outDir} does not exist`);
  writeFileAtomic(o.out, JSON.stringify(policy, null, 2) + '\n');
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const rule =
    t.threshold === null
      ? 'flag nothing (the target holds without review)'
      : `flag ${structure} ${measure} ≥ ${t.threshold}`;
  return `${o.out}: ${rule}; review ${pct(t.reviewFraction)} of ${t.n}, poor left ${pct(t.poorLeft)} (target ${pct(target)}, ${t.poor} poor)`;
}

export function register(program: Command): void {
  program
    .command('policy')
    .description(
      'QC policy: the uncertainty threshold that leaves at most the target poor fraction unflagged, from labelled scores',
    )
    .option('--scores <file>', '(required) CSV with header "uncertainty,poor", as `cardiac-uq qc` reads')
    .option('--target <x>', 'poor fraction left, of all cases', String(DEFAULT_REVIEW_TARGET))
    .option(
      '--measure <m>',
      `measure the scores are (${UNCERTAINTY_MEASURES.join(' | ')}; DICE_WITHIN scores are 1 − Dice_within)`,
      DEFAULT_MEASURE,
    )
    .option('--structure <s>', `structure the poor flags are of (${STRUCTURES.join(' | ')})`, DEFAULT_STRUCTURE)
    .option(
      '--checkpoint <dir>',
      'the model the scores came from: recorded as checkpoint_sha256, which `segment` checks',
    )
    .option('--out <file>', '(required) policy JSON to write')
    .addHelpText(
      'after',
      '\nThreshold t: flagging every case with uncertainty ≥ t (ties together) is the smallest flagged set that\n' +
        "leaves ≤ target·N poor cases; the fraction flagged equals `cardiac-uq qc`'s review fraction. null: nothing\n" +
        'needs flagging. JSON: {"rules":[{"structure","measure","threshold"}],"target","review_fraction","poor_left"}',
    )
    .action((options: PolicyCliOptions) => {
      process.stdout.write(runPolicy(options) + '\n');
    });
}
