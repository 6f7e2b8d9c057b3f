/**
 * A QC curve (docs/design.md "Quality control") over subject resamples without building them
 * (docs/design.md "Bootstrap intervals"): the cases are sorted by descending score once and cut
 * into steps of equal score; a resample, given as subject multiplicities w_s
 * (subjectMultiplicities), flags step g with Σ w_s·(cases of s in g) segmentations of which
 * Σ w_s·(poor cases of s in g) are poor. These are exactly the counts of the concatenated resample,
 * so its points (F/N, (P − poor flagged)/N), its AUC (trapezoids summed in point order, as
 * trapezoidArea) and its review fraction (the flagged fraction of the first point with
 * ≤ target + 1e-9 poor remaining, as reviewFractionAt) equal qcCurve's on that resample. Steps that
 * no drawn subject reaches are skipped (they would repeat the previous point).
 *
 * A null score (undefined, e.g. no Dice_within) ranks below every number, as SQL's NULLS LAST.
 */
import { percentileInterval, type BootstrapInterval } from './bootstrap';

/** reviewFractionAt's slack (and store/qc-curve-sql.ts's). */
const REVIEW_SLACK = 1e-9;

export interface QcCase {
  /** Index of the case's subject, 0 ≤ subject < subjects. */
  subject: number;
  score: number | null;
  poor: boolean;
}

const rank = (score: number | null) => (score === null ? -Infinity : score);

export class SubjectQcCurve {
  /** Per step g, the entries [stepStart[g], stepStart[g + 1]) of (subject, cases, poor cases). */
  private readonly stepStart: Int32Array;
  private readonly entrySubject: Int32Array;
  private readonly entryCases: Float64Array;
  private readonly entryPoor: Float64Array;
  private readonly subjectCases: Float64Array;
  private readonly subjectPoor: Float64Array;

  constructor(
    cases: readonly QcCase[],
    readonly subjects: number,
  ) {
    this.subjectCases = new Float64Array(subjects);
    this.subjectPoor = new Float64Array(subjects);
    const sorted = [...cases].sort((a, b) => {
      const [x, y] = [rank(a.score), rank(b.score)];
      return x > y ? -1 : x < y ? 1 : a.subject - b.subject;
    });
    const stepStart = [0];
    const entrySubject: number[] = [];
    const entryCases: number[] = [];
    const entryPoor: number[] = [];
    for (let i = 0; i < sorted.length;) {
      const s = rank(sorted[i].score);
      while (i < sorted.length && rank(sorted[i].score) === s) {
        const c = sorted[i];
        const last = entrySubject.length - 1;
        if (last >= stepStart[stepStart.length - 1] && entrySubject[last] === c.subject) {
          entryCases[last]++;
          if (c.poor) entryPoor[last]++;
        } else {
          entrySubject.push(c.subject);
          entryCases.push(1);
          entryPoor.push(c.poor ? 1 : 0);
        }
        this.subjectCases[c.subject]++;
        if (c.poor) this.subjectPoor[c.subject]++;
        i++;
      }
      stepStart.push(entrySubject.length);
    }
    // Typed arrays: the bootstrap walks these B times.
    this.stepStart = Int32Array.from(stepStart);
    this.entrySubject = Int32Array.from(entrySubject);
    this.entryCases = Float64Array.from(entryCases);
    this.entryPoor = Float64Array.from(entryPoor);
  }

  /**
   * Walks a resample's curve: `visit` gets each point (F/N, (P − poor flagged)/N) in order, the
   * start point (0, P/N) first. False when the resample holds no case (nothing visited).
   */
  private walk(w: Int32Array, visit: (x: number, y: number) => void): boolean {
    const { stepStart, entrySubject, entryCases, entryPoor } = this;
    let n = 0;
    let p = 0;
    for (let s = 0; s < this.subjects; s++) {
      n += w[s] * this.subjectCases[s];
      p += w[s] * this.subjectPoor[s];
    }
    if (n === 0) return false;
    visit(0, p / n);
    let flagged = 0;
    let poorFlagged = 0;
    for (let g = 0; g + 1 < stepStart.length; g++) {
      let f = 0;
      let pf = 0;
      for (let e = stepStart[g]; e < stepStart[g + 1]; e++) {
        const k = w[entrySubject[e]];
        f += k * entryCases[e];
        pf += k * entryPoor[e];
      }
      if (f === 0) continue;
      flagged += f;
      poorFlagged += pf;
      visit(flagged / n, (p - poorFlagged) / n);
    }
    return true;
  }

  /** The resample's curve points, from (0, P/N) to (1, 0); null when it holds no case. */
  points(w: Int32Array): Array<[number, number]> | null {
    const points: Array<[number, number]> = [];
    return this.walk(w, (x, y) => points.push([x, y])) ? points : null;
  }

  /**
   * AUC and review fraction for `target` of a resample in one walk, without building its points:
   * the same points in the same order with trapezoidArea's and reviewFractionAt's arithmetic, so
   * the same numbers as those functions on points(w); null when the resample holds no case.
   */
  figures(w: Int32Array, target: number): { auc: number; reviewAt: number } | null {
    const limit = target + REVIEW_SLACK;
    let first = true;
    let x0 = 0;
    let y0 = 0;
    let auc = 0;
    let reviewAt = -1;
    const held = this.walk(w, (x, y) => {
      if (!first) auc += ((x - x0) * (y + y0)) / 2;
      first = false;
      if (reviewAt < 0 && y <= limit) reviewAt = x;
      x0 = x;
      y0 = y;
    });
    return held ? { auc, reviewAt: reviewAt < 0 ? 1 : reviewAt } : null;
  }

  /** Intervals of the AUC and of the review fraction for `target` over the resamples `multiplicities`. */
  bootstrap(
    multiplicities: readonly Int32Array[],
    target: number,
  ): { auc: BootstrapInterval; reviewAt: BootstrapInterval } {
    const figures = multiplicities.map((w) => this.figures(w, target));
    const estimate = this.figures(new Int32Array(this.subjects).fill(1), target);
    const of = (k: 'auc' | 'reviewAt') =>
      percentileInterval(
        estimate?.[k] ?? null,
        figures.flatMap((f) => (f ? [f[k]] : [])),
        multiplicities.length,
        this.subjects,
      );
    return { auc: of('auc'), reviewAt: of('reviewAt') };
  }
}
