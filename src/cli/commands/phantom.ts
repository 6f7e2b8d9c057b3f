/**
 * `cardiac-uq phantom --out DIR [--site A|B] [--subjects N] [--seed S]`: generate the synthetic cine
 * short-axis phantom (docs/design.md "Phantom") as an ACDC-layout folder of NIfTI files (patientXXX/Info.cfg,
 * patientXXX_frameNN[_gt].nii.gz for ED and ES) that `readAcdcFolder` reads back. Subjects are written
 * to a temporary sibling folder which is renamed to DIR at the end, so DIR is never half-written.
 * Progress on stderr. Bad input: exit 2.
 */
import { existsSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { InvalidInputError } from '../../engine/errors';
import { assignSplits, DEFAULT_SPLITS, generatePhantomSubject } from '../../engine/data/phantom';
import type { Site } from '../../engine/data/types';
import { writeAcdcSubject } from '../../engine/io/acdc-import';

export interface PhantomOptions {
  out?: string;
  site?: string;
  subjects?: string;
  seed?: string;
  splits?: string;
  progress?: boolean;
}

export interface PhantomPlan {
  out: string;
  site: Site;
  subjects: number;
  seed: string;
  splits: { train: number; val: number; test: number };
}

/** Validate command-line options (InvalidInputError on anything wrong). */
export function parsePhantomOptions(o: PhantomOptions): PhantomPlan {
  if (!o.out) throw new InvalidInputError('BAD_ARGUMENT', 'missing required option --out DIR');
  const site = (o.site ?? 'A').toUpperCase();
  if (site !== 'A' && site !== 'B')
    throw new InvalidInputError('BAD_ARGUMENT', `--site must be A or B, got "${o.site}"`);
  const subjects = Number(o.subjects ?? '10');
  if (!/^\d+$/.test(String(o.subjects ?? '10')) || subjects < 1 || subjects > 10000) {
    throw new InvalidInputError('BAD_ARGUMENT', `--subjects must be an integer 1..10000, got "${o.subjects}"`);
  }
  const seed = String(o.seed ?? '1');
  if (seed.length === 0 || seed.length > 200)
    throw new InvalidInputError('BAD_ARGUMENT', '--seed must be 1..200 characters');
  let splits = DEFAULT_SPLITS;
  if (o.splits !== undefined) {
    const parts = o.splits.split(',').map(Number);
    if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0) || parts[0] + parts[1] + parts[2] <= 0) {
      throw new InvalidInputError(
        'BAD_ARGUMENT',
        `--splits must be three non-negative fractions TRAIN,VAL,TEST, got "${o.splits}"`,
      );
    }
    splits = { train: parts[0], val: parts[1], test: parts[2] };
  }
  const out = resolve(o.out);
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new InvalidInputError('BAD_ARGUMENT', `--out ${o.out} already exists and is not empty`);
  }
  if (!existsSync(dirname(out)))
    throw new InvalidInputError('FILE_NOT_FOUND', `parent folder of --out does not exist: ${dirname(out)}`);
  return { out, site, subjects, seed, splits };
}

/** Generate and write the phantom; returns the output folder. */
export function runPhantom(plan: PhantomPlan, onProgress?: (done: number, total: number) => void): string {
  const tmp = join(dirname(plan.out), `.${basename(plan.out)}.partial-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const splits = assignSplits(plan.subjects, plan.splits, `${plan.seed}/phantom/site-${plan.site}`);
  try {
    for (let k = 0; k < plan.subjects; k++) {
      writeAcdcSubject(tmp, generatePhantomSubject(plan.site, k, plan.seed, splits[k]));
      onProgress?.(k + 1, plan.subjects);
    }
    if (existsSync(plan.out)) rmdirSync(plan.out); // empty (checked), replaced atomically below
    renameSync(tmp, plan.out);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return plan.out;
}

export function register(program: Command): void {
  program
    .command('phantom')
    .description('Generate the synthetic cine short-axis phantom as an ACDC-layout folder of NIfTI files')
    .option('--out <dir>', 'output folder (must not exist or be empty)')
    .option('--site <site>', 'A: healthy, UK Biobank-like; B: ACDC-like, five groups (NOR/DCM/HCM/MINF/ARV)', 'A')
    .option('--subjects <n>', 'number of subjects', '10')
    .option('--seed <seed>', 'random seed (same seed → identical files)', '1')
    .option('--splits <train,val,test>', 'subject split fractions, recorded in Info.cfg', '0.7,0.1,0.2')
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText(
      'after',
      '\nExample:\n  cardiac-uq phantom --out data/phantom-a --site A --subjects 40 --seed 1\n' +
        'Writes patient001/Info.cfg, patient001_frame01.nii.gz, patient001_frame01_gt.nii.gz (ED) and the ES frame.',
    )
    .action((options: PhantomOptions) => {
      const plan = parsePhantomOptions(options);
      const bar =
        options.progress !== false
          ? new SingleBar({ stream: process.stderr, format: 'phantom [{bar}] {value}/{total} subjects | ETA {eta}s' })
          : undefined;
      bar?.start(plan.subjects, 0);
      try {
        runPhantom(plan, (done) => bar?.update(done));
      } finally {
        bar?.stop();
      }
      console.error(`cardiac-uq: wrote ${plan.subjects} site-${plan.site} subjects to ${plan.out}`);
    });
}
