/**
 * The report's 95 % intervals (docs/design.md "Bootstrap intervals" and "The report" → "Intervals
 * and verdicts"): the engine's subject bootstrap (engine/statistics/bootstrap.ts) over the slice
 * rows of the report's evaluations. A resample is a list of drawn subject indices into one subject
 * list (a Resampler); each figure is a function of that list:
 *   - means (Dice, ASSD, HD, NLL, Brier, entropy, MI) from per-subject sums (sufficient statistics:
 *     Σ value and count per subject, so a resample costs S additions, not a pass over the slices);
 *   - ECE from the drawn subjects' summed reliability histograms (each pixel once, as the API pools);
 *   - QC AUC and review fraction at 5 % (the engine's qcCurve walked with subject weights; random
 *     and slice-position baselines),
 *     Spearman ρ with ASSD (weighted rank walks, equal to the engine's spearman of the resample)
 *     and medians over the drawn subjects' slices.
 * Every evaluation of one Resampler is grouped on the same sorted subject list and read with the
 * same draws, so figures of two methods (or repeats) on the same subjects are paired: a difference
 * is computed inside each resample. Two Resamplers (site A and site B: other subjects) draw
 * independently, from their own seeds.
 */
import { SubjectSpearman } from '../engine/statistics/subject-spearman';
import { expectedCalibrationError } from '../engine/metrics/calibration';
import { randomReviewBaseline, slicePositionScore, DEFAULT_REVIEW_TARGET } from '../engine/metrics/qc-curve';
import { qcScore, type QcMeasure } from '../engine/metrics/qc-policy';
import { percentileLinear } from '../engine/metrics/segmentation-metrics';
import {
  bootstrapOver,
  DEFAULT_BOOTSTRAP_RESAMPLES,
  subjectDraws,
  type BootstrapInterval,
} from '../engine/statistics/bootstrap';
import { STRUCTURES, type StructureName } from './collect';
import type { SliceValues } from './slice-values';

export type { BootstrapInterval };

/** A figure of one resample: the drawn subject indices (with repetition); null where undefined. */
export type Resampled = (drawn: readonly number[]) => number | null;

export const MEAN_FIELDS = ['dice', 'assd', 'hd'] as const;
export type StructureField = (typeof MEAN_FIELDS)[number];
export const IMAGE_FIELDS = ['nll', 'brier', 'entropy', 'mi'] as const;
export type ImageField = (typeof IMAGE_FIELDS)[number];

/** QC orderings: an uncertainty measure, or a baseline. */
export type QcOrder = QcMeasure | 'RANDOM' | 'POSITION';

// Layout of a subject's sums: per structure (Σ dice, slices, Σ assd, kept, Σ hd, kept), then
// Σ nll, Σ brier, Σ entropy, Σ mi and slices, then the histogram (count, Σ confidence, Σ correct).
const PER_STRUCTURE = 6;
const IMAGE_AT = STRUCTURES.length * PER_STRUCTURE;
const SLICES_AT = IMAGE_AT + IMAGE_FIELDS.length;
const HISTOGRAM_AT = SLICES_AT + 1;

/** One evaluation's slices grouped on a Resampler's subjects. */
export class GroupedEvaluation {
  readonly sums: Float64Array[];
  readonly bins: number;

  constructor(readonly bySubject: readonly SliceValues[][]) {
    this.bins = bySubject.find((g) => g.length)?.[0].binCounts.length ?? 0;
    this.sums = bySubject.map((slices) => {
      const v = new Float64Array(HISTOGRAM_AT + 3 * this.bins);
      for (const x of slices) {
        STRUCTURES.forEach((s, k) => {
          const m = x.structures[s];
          const at = k * PER_STRUCTURE;
          v[at] += m.dice;
          v[at + 1] += 1;
          if (m.assd !== null) {
            v[at + 2] += m.assd;
            v[at + 3] += 1;
          }
          if (m.hd !== null) {
            v[at + 4] += m.hd;
            v[at + 5] += 1;
          }
        });
        IMAGE_FIELDS.forEach((f, i) => (v[IMAGE_AT + i] += x[f]));
        v[SLICES_AT] += 1;
        for (let b = 0; b < this.bins; b++) {
          v[HISTOGRAM_AT + b] += x.binCounts[b];
          v[HISTOGRAM_AT + this.bins + b] += x.binConfidenceSum[b];
          v[HISTOGRAM_AT + 2 * this.bins + b] += x.binCorrect[b];
        }
      }
      return v;
    });
  }

  private ratio(drawn: readonly number[], num: number, den: number): number | null {
    let a = 0;
    let n = 0;
    for (const s of drawn) {
      a += this.sums[s][num];
      n += this.sums[s][den];
    }
    return n === 0 ? null : a / n;
  }

  /** Mean over the drawn slices of a structure's Dice, or over those where ASSD / HD is defined. */
  structureMean(structure: StructureName, field: StructureField): Resampled {
    const at = STRUCTURES.indexOf(structure) * PER_STRUCTURE + 2 * MEAN_FIELDS.indexOf(field);
    return (drawn) => this.ratio(drawn, at, at + 1);
  }

  /** Mean over the drawn slices of an image metric (each slice once). */
  imageMean(field: ImageField): Resampled {
    const at = IMAGE_AT + IMAGE_FIELDS.indexOf(field);
    return (drawn) => this.ratio(drawn, at, SLICES_AT);
  }

  /** ECE of the drawn subjects' pooled pixels. */
  ece(): Resampled {
    const B = this.bins;
    return (drawn) => {
      const h = {
        bins: B,
        count: new Array(B).fill(0),
        sumConfidence: new Array(B).fill(0),
        sumCorrect: new Array(B).fill(0),
      };
      for (const s of drawn) {
        const v = this.sums[s];
        for (let b = 0; b < B; b++) {
          h.count[b] += v[HISTOGRAM_AT + b];
          h.sumConfidence[b] += v[HISTOGRAM_AT + B + b];
          h.sumCorrect[b] += v[HISTOGRAM_AT + 2 * B + b];
        }
      }
      return expectedCalibrationError(h);
    };
  }

  private readonly figures = new Map<string, Resampled>();

  /**
   * The figure `key` built once per evaluation, memoised per resample (by the drawn indices): the
   * same Spearman or QC curve serves a table cell, a paired difference and a site-B − site-A
   * difference without being recomputed.
   */
  private memo(key: string, build: () => Resampled): Resampled {
    let f = this.figures.get(key);
    if (!f) {
      const inner = build();
      const cache = new Map<string, number | null>();
      f = (drawn) => {
        const k = drawn.join(',');
        let v = cache.get(k);
        if (v === undefined) {
          v = inner(drawn);
          cache.set(k, v);
        }
        return v;
      };
      this.figures.set(key, f);
    }
    return f;
  }

  /** Per subject, `value` of each slice (optionally only slices where `keep`) as typed arrays. */
  private column(value: (x: SliceValues) => number, keep?: (x: SliceValues) => boolean): Float64Array[] {
    return this.bySubject.map((slices) => Float64Array.from(keep ? slices.filter(keep) : slices, value));
  }

  /** The drawn subjects' columns concatenated. */
  private static gather(columns: readonly Float64Array[], drawn: readonly number[]): Float64Array {
    let n = 0;
    for (const s of drawn) n += columns[s].length;
    const out = new Float64Array(n);
    let at = 0;
    for (const s of drawn) {
      out.set(columns[s], at);
      at += columns[s].length;
    }
    return out;
  }

  /**
   * QC AUC or review fraction at `target` of a structure under an ordering, over the drawn slices:
   * the engine's qcCurve of the concatenated resample, walked without building it — the slices
   * sorted once by descending score in groups of equal scores; per resample each slice counts w
   * times (w = draws of its subject), a group flags Σw slices and removes Σw·poor, and the points,
   * the trapezoid AUC and the first point within the target are the engine's, step for step
   * (tested against qcCurve on the concatenation).
   */
  qc(structure: StructureName, order: QcOrder, figure: 'auc' | 'review', target = DEFAULT_REVIEW_TARGET): Resampled {
    return this.memo(`qc|${structure}|${order}|${figure}|${target}`, () => {
      const subject: number[] = [];
      const poor: number[] = [];
      const score: number[] = [];
      this.bySubject.forEach((slices, s) => {
        for (const x of slices) {
          subject.push(s);
          poor.push(x.structures[structure].poor ? 1 : 0);
          score.push(
            order === 'RANDOM'
              ? 0
              : order === 'POSITION'
                ? slicePositionScore(x.sliceIndex, x.sliceCount)
                : qcScore(order, {
                    entropy: x.entropy,
                    mi: x.mi,
                    diceWithin: x.structures[structure].diceWithin ?? 1,
                    assdWithinMm: x.structures[structure].assdWithin,
                  }),
          );
        }
      });
      const n = subject.length;
      const sorted = Array.from({ length: n }, (_, j) => j).sort((i, j) => score[j] - score[i]);
      const weights = new Float64Array(this.bySubject.length);
      const slack = 1e-9;
      return (drawn) => {
        weights.fill(0);
        for (const s of drawn) weights[s]++;
        let N = 0;
        let P = 0;
        for (let j = 0; j < n; j++) {
          N += weights[subject[j]];
          P += weights[subject[j]] * poor[j];
        }
        if (N === 0) return null;
        if (order === 'RANDOM') {
          const c = randomReviewBaseline(N, P, target);
          return figure === 'auc' ? c.auc : c.reviewFraction;
        }
        let review = P <= target * N + slack ? 0 : 1;
        let found = review === 0;
        let flagged = 0;
        let remaining = P;
        let x0 = 0;
        let y0 = P / N;
        let auc = 0;
        for (let i = 0; i < n;) {
          const v = score[sorted[i]];
          let w = 0;
          while (i < n && score[sorted[i]] === v) {
            const j = sorted[i++];
            w += weights[subject[j]];
            remaining -= weights[subject[j]] * poor[j];
          }
          if (w === 0) continue; // no copy of this group drawn: no step
          flagged += w;
          const x1 = flagged / N;
          const y1 = remaining / N;
          auc += ((x1 - x0) * (y1 + y0)) / 2;
          x0 = x1;
          y0 = y1;
          if (!found && remaining <= target * N + slack) {
            review = flagged / N;
            found = true;
          }
        }
        return figure === 'auc' ? auc : review;
      };
    });
  }

  /**
   * Spearman ρ of a measure's value (as the API correlates it) with a structure's ASSD, over the
   * slices where both are finite, as engine/statistics/subject-spearman.ts ranks a resample given
   * as subject multiplicities (the number spearman gives on the concatenation, without sorting it).
   */
  spearman(structure: StructureName, measure: QcMeasure): Resampled {
    return this.memo(`rho|${structure}|${measure}`, () => {
      const cases = this.bySubject.flatMap((slices, subject) =>
        slices.map((x) => ({ subject, x: measureValue(x, structure, measure), y: x.structures[structure].assd })),
      );
      const rho = new SubjectSpearman(cases, this.bySubject.length);
      const weights = new Int32Array(this.bySubject.length);
      return (drawn) => {
        weights.fill(0);
        for (const s of drawn) weights[s]++;
        return rho.rho(weights);
      };
    });
  }

  /** Median (type 7) over the drawn slices of an image metric, or of a structure's Dice. */
  median(field: ImageField | 'dice', structure: StructureName | null = null): Resampled {
    return this.memo(`median|${field}|${structure}`, () => {
      const values = this.column((s) => (field === 'dice' ? s.structures[structure!].dice : s[field]));
      return (drawn) => {
        const x = GroupedEvaluation.gather(values, drawn);
        return x.length ? percentileLinear(x, x.length, 0.5) : null;
      };
    });
  }
}

/** The raw value the API's correlations rank (Dice within samples as a similarity, not 1 − it). */
function measureValue(x: SliceValues, structure: StructureName, measure: QcMeasure): number | null {
  switch (measure) {
    case 'ENTROPY':
      return x.entropy;
    case 'MI':
      return x.mi;
    case 'DICE_WITHIN':
      return x.structures[structure].diceWithin;
    case 'ASSD_WITHIN':
      return x.structures[structure].assdWithin;
  }
}

/** Mean of figures (e.g. over repeats, or over structures); null when any is undefined. */
export function meanOf(figures: readonly Resampled[]): Resampled {
  return (drawn) => {
    let sum = 0;
    for (const f of figures) {
      const v = f(drawn);
      if (v === null) return null;
      sum += v;
    }
    return figures.length ? sum / figures.length : null;
  };
}

/** a − b on the same resample (paired). */
export function differenceOf(a: Resampled, b: Resampled): Resampled {
  return (drawn) => {
    const x = a(drawn);
    const y = b(drawn);
    return x === null || y === null ? null : x - y;
  };
}

/** A function of several figures on the same resample. */
export function combine(figures: readonly Resampled[], f: (values: number[]) => number): Resampled {
  return (drawn) => {
    const values: number[] = [];
    for (const g of figures) {
      const v = g(drawn);
      if (v === null) return null;
      values.push(v);
    }
    return f(values);
  };
}

export interface ResamplerOptions {
  seed: number | string;
  resamples?: number;
}

/** Subjects of a set of evaluations (sorted ids, their union) and the seeded draws over them. */
export class Resampler {
  readonly subjects: string[];
  private readonly index: Map<string, number>;
  private readonly grouped = new Map<string, GroupedEvaluation>();
  private drawsCache: number[][] | null = null;

  constructor(
    private readonly evaluations: ReadonlyMap<string, readonly SliceValues[]>,
    readonly options: ResamplerOptions,
  ) {
    this.subjects = [...new Set([...evaluations.values()].flatMap((rows) => rows.map((r) => r.subjectId)))].sort();
    this.index = new Map(this.subjects.map((s, i) => [s, i]));
  }

  has(evaluationId: string | undefined): boolean {
    return evaluationId !== undefined && this.evaluations.has(evaluationId);
  }

  /** The evaluation's slices on this resampler's subjects; undefined when its rows were not collected. */
  of(evaluationId: string): GroupedEvaluation | undefined {
    let g = this.grouped.get(evaluationId);
    if (!g) {
      const rows = this.evaluations.get(evaluationId);
      if (!rows) return undefined;
      const bySubject: SliceValues[][] = this.subjects.map(() => []);
      for (const r of rows) bySubject[this.index.get(r.subjectId)!].push(r);
      g = new GroupedEvaluation(bySubject);
      this.grouped.set(evaluationId, g);
    }
    return g;
  }

  /** The B seeded draws over this resampler's subjects (drawn once, shared by every figure). */
  draws(): number[][] {
    this.drawsCache ??= [
      ...subjectDraws(this.subjects.length, this.options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES, this.options.seed),
    ];
    return this.drawsCache;
  }

  /** The figure on all subjects and its 95 % percentile interval over the draws; null without subjects. */
  interval(figure: Resampled): BootstrapInterval | null {
    if (!this.subjects.length) return null;
    return bootstrapOver(
      this.subjects.map((_, i) => [i]),
      figure,
      this.draws(),
    );
  }
}

/**
 * Interval of f(figure on A's subjects, figure on B's subjects) where A and B hold other subjects
 * (site A test against site B): resample b draws A's subjects with A's b-th draw and B's with B's.
 */
export function twoSampleInterval(
  a: Resampler,
  figureA: Resampled,
  b: Resampler,
  figureB: Resampled,
  f: (x: number, y: number) => number = (x, y) => x - y,
): BootstrapInterval | null {
  const S = a.subjects.length;
  if (!S || !b.subjects.length) return null;
  const drawsA = a.draws();
  const drawsB = b.draws();
  const draws = drawsA.map((d, i) => [...d, ...drawsB[i].map((j) => j + S)]);
  const figure: Resampled = (drawn) => {
    const x = figureA(drawn.filter((i) => i < S));
    const y = figureB(drawn.filter((i) => i >= S).map((i) => i - S));
    return x === null || y === null ? null : f(x, y);
  };
  const result = bootstrapOver(
    [...a.subjects, ...b.subjects].map((_, i) => [i]),
    figure,
    draws,
  );
  return { ...result, subjects: S + b.subjects.length };
}
