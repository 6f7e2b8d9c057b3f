/**
 * The synthetic cine short-axis phantom (docs/design.md "Phantom"): seeded, reproducible subjects with ED
 * and ES stacks, two sites (A healthy, UK Biobank-like; B ACDC-like with five groups), and subject
 * splits.
 *
 * Reproducibility: every random draw comes from a stream keyed by (seed, site, subject index,
 * phase, slice, purpose), so subject k of site A with seed s has the same bytes whatever else is
 * generated, and `generatePhantomDataset` is a pure function of its options.
 */
import { createRng, type Rng } from '../../random';
import { InvalidInputError } from '../../errors';
import type { LabeledSlice, Phase, Site, Split, Subject } from '../types';
import { slicePosition } from './geometry';
import { sampleSubjectParams, type SubjectParams } from './params';
import { renderSlice } from './render';

export { PHANTOM_GROUPS, type PhantomGroup, type SubjectParams } from './params';

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}
export const DEFAULT_SPLITS: SplitFractions = Object.freeze({ train: 0.7, val: 0.1, test: 0.2 });

export interface PhantomDatasetOptions {
  site: Site;
  /** Number of subjects (1..10000). */
  subjects: number;
  seed: number | string;
  /** Fractions of subjects per split (normalised; default 0.7 / 0.1 / 0.2). */
  splits?: SplitFractions;
  /**
   * Further subjects, indices subjects … subjects + extraTestSubjects − 1, all TEST: a larger test
   * split while the first `subjects` (and so the training data) stay exactly as without them.
   */
  extraTestSubjects?: number;
  /** Called after each subject (for progress bars). */
  onSubject?: (done: number, total: number) => void;
}

const PHASES: readonly Phase[] = ['ED', 'ES'];

function siteRng(site: Site, seed: number | string): Rng {
  return createRng(seed, 'phantom', `site-${site}`);
}

/** ACDC-style subject id: patient001 for index 0. */
export function phantomSubjectId(index: number): string {
  return `patient${String(index + 1).padStart(3, '0')}`;
}

/** The sampled anatomy/appearance of subject `index` (what generatePhantomSubject renders). */
export function phantomSubjectParams(site: Site, index: number, seed: number | string): SubjectParams {
  checkSite(site);
  if (!Number.isInteger(index) || index < 0) {
    throw new InvalidInputError('BAD_ARGUMENT', `subject index must be a non-negative integer, got ${index}`);
  }
  return sampleSubjectParams(site, siteRng(site, seed), index);
}

/** Render one subject: ED slices base → apex, then ES slices base → apex. */
export function generatePhantomSubject(
  site: Site,
  index: number,
  seed: number | string,
  split: Split = 'TRAIN',
): Subject {
  const params = phantomSubjectParams(site, index, seed);
  const rng = siteRng(site, seed).child(`subject-${index}`);
  const id = phantomSubjectId(index);
  const slices: LabeledSlice[] = [];
  for (const phase of PHASES) {
    for (let z = 0; z < params.sliceCount; z++) {
      const { image, label } = renderSlice(params, phase, z, rng.child(`${phase}-${z}`));
      slices.push({
        rows: params.rows,
        cols: params.cols,
        spacingMm: [params.spacingMm[0], params.spacingMm[1]],
        image,
        label,
        subjectId: id,
        phase,
        sliceIndex: z,
        sliceCount: params.sliceCount,
        position: slicePosition(z, params.sliceCount),
      });
    }
  }
  return {
    id,
    site,
    group: params.group,
    split,
    slices,
    sliceSpacingMm: params.sliceThicknessMm + params.sliceGapMm,
    info: {
      ED: params.edFrame,
      ES: params.esFrame,
      Group: params.group,
      Height: params.heightCm,
      Weight: params.weightKg,
      NbFrame: params.nbFrames,
      FieldStrengthT: params.fieldStrengthT,
      EjectionFraction: Math.round(params.ejectionFraction * 1000) / 1000,
    },
  };
}

/**
 * Seeded split of subject indices 0..n−1: a seeded shuffle, then the first round(n·train) are TRAIN,
 * the next round(n·val) VAL, the rest TEST. Every split with a positive fraction gets at least one
 * subject when n allows.
 */
export function assignSplits(n: number, fractions: SplitFractions, seed: number | string): Split[] {
  const { train, val, test } = fractions;
  if (![train, val, test].every((f) => Number.isFinite(f) && f >= 0) || train + val + test <= 0) {
    throw new InvalidInputError('BAD_ARGUMENT', `invalid split fractions ${JSON.stringify(fractions)}`);
  }
  const total = train + val + test;
  let nVal = Math.round((n * val) / total);
  let nTest = Math.round((n * test) / total);
  if (val > 0 && nVal === 0 && n >= 3) nVal = 1;
  if (test > 0 && nTest === 0 && n >= 3) nTest = 1;
  if (train === 0) nTest = n - nVal;
  const nTrain = Math.max(0, n - nVal - nTest);
  const order = createRng(seed, 'splits').shuffle(Array.from({ length: n }, (_, i) => i));
  const out = new Array<Split>(n);
  order.forEach((subject, rank) => {
    out[subject] = rank < nTrain ? 'TRAIN' : rank < nTrain + nVal ? 'VAL' : 'TEST';
  });
  return out;
}

export function generatePhantomDataset(options: PhantomDatasetOptions): Subject[] {
  const out: Subject[] = [];
  for (const subject of phantomSubjects(options)) {
    out.push(subject);
    options.onSubject?.(out.length, options.subjects + (options.extraTestSubjects ?? 0));
  }
  return out;
}

/**
 * The subjects of generatePhantomDataset one at a time (options validated before the first), so
 * that a caller can yield between them: 20 site-B subjects take ≈ 4 s to generate on one quiet core.
 */
export function phantomSubjects(options: PhantomDatasetOptions): Generator<Subject> {
  const { site, subjects, seed } = options;
  checkSite(site);
  if (!Number.isInteger(subjects) || subjects < 1 || subjects > 10000) {
    throw new InvalidInputError('BAD_ARGUMENT', `subjects must be an integer in 1..10000, got ${subjects}`);
  }
  const extra = options.extraTestSubjects ?? 0;
  if (!Number.isInteger(extra) || extra < 0 || subjects + extra > 10000) {
    throw new InvalidInputError(
      'BAD_ARGUMENT',
      `extraTestSubjects must be an integer ≥ 0 (at most 10000 subjects in all), got ${extra}`,
    );
  }
  const splits = assignSplits(subjects, options.splits ?? DEFAULT_SPLITS, deriveSplitSeed(site, seed));
  return (function* () {
    for (let k = 0; k < subjects + extra; k++) yield generatePhantomSubject(site, k, seed, splits[k] ?? 'TEST');
  })();
}

function deriveSplitSeed(site: Site, seed: number | string): string {
  return `${String(seed)}/phantom/site-${site}`;
}

function checkSite(site: string): asserts site is Site {
  if (site !== 'A' && site !== 'B') throw new InvalidInputError('BAD_ARGUMENT', `site must be A or B, got ${site}`);
}
