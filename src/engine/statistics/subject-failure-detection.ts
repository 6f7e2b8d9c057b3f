/**
 * Failure-detection figures over subject resamples without building them (docs/design.md
 * "Bootstrap intervals"; the figures as engine/metrics/risk-coverage.ts and failure-auroc.ts define
 * them, "Failure detection"). A resample given as subject multiplicities w_s
 * (subjectMultiplicities) counts case j w_{s(j)} times, so:
 *   - risk–coverage: the cases sorted once by ascending uncertainty and cut into tie groups; in a
 *     resample group g holds c_g = Σ w·(cases of s in g) cases of risk sum G_g = Σ w·(risk of s in g),
 *     and the expected accepted risk after k cases is riskCoverage's S_k on the concatenation
 *     (within a group S_{before+i} = S_before + i·G_g/c_g); AURC, AUGRC and the optimal order's AURC
 *     (the risks sorted once, each case repeated w times) are summed point by point with
 *     riskCoverage's trapezoids and its normalisation by 1 − 1/N, so E-AURC = AURC − optimal;
 *   - AUROC: per tie group (ascending) its poor and good weights p_g, q_g; the Mann–Whitney
 *     probability Σ_g p_g·(Q_below + q_g/2) / (P·Q), the rank formula of failureAuroc.
 * Each figure is the one on the concatenated resample (to rounding; tested), null where the
 * engine's is (fewer than 2 cases; no poor or no good case for the AUROC).
 */
import { percentileInterval, type BootstrapInterval } from './bootstrap';

export interface FailureCase {
  /** Index of the case's subject, 0 ≤ subject < subjects. */
  subject: number;
  /** Uncertainty (accepted ascending); +∞ allowed, NaN refused. */
  uncertainty: number;
  /** Risk in [0, 1] (1 − Dice, or poor as 0/1). */
  risk: number;
  poor: boolean;
}

export interface RiskFigures {
  aurc: number;
  eAurc: number;
  augrc: number;
}

/** Per group g, the entries [start[g], start[g + 1]) of (subject, cases, Σ risk, poor cases). */
interface Grouped {
  /** The key of group g. */
  key: Float64Array;
  start: Int32Array;
  subject: Int32Array;
  cases: Float64Array;
  risk: Float64Array;
  poor: Float64Array;
}

/** Cases sorted by `key` ascending, equal keys one group, one entry per subject within a group. */
function group(cases: readonly FailureCase[], key: (c: FailureCase) => number): Grouped {
  const sorted = [...cases].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -1 : x > y ? 1 : a.subject - b.subject;
  });
  const keys: number[] = [];
  const start = [0];
  const subject: number[] = [];
  const count: number[] = [];
  const risk: number[] = [];
  const poor: number[] = [];
  for (let i = 0; i < sorted.length;) {
    const v = key(sorted[i]);
    keys.push(v);
    while (i < sorted.length && key(sorted[i]) === v) {
      const c = sorted[i++];
      const last = subject.length - 1;
      if (last >= start[start.length - 1] && subject[last] === c.subject) {
        count[last]++;
        risk[last] += c.risk;
        if (c.poor) poor[last]++;
      } else {
        subject.push(c.subject);
        count.push(1);
        risk.push(c.risk);
        poor.push(c.poor ? 1 : 0);
      }
    }
    start.push(subject.length);
  }
  return {
    key: Float64Array.from(keys),
    start: Int32Array.from(start),
    subject: Int32Array.from(subject),
    cases: Float64Array.from(count),
    risk: Float64Array.from(risk),
    poor: Float64Array.from(poor),
  };
}

export class SubjectFailureDetection {
  /** Tie groups of the uncertainty. */
  private readonly byUncertainty: Grouped;
  /** Groups of equal risk (the optimal order: ascending risk, every case its own step). */
  private readonly byRisk: Grouped;

  constructor(
    cases: readonly FailureCase[],
    readonly subjects: number,
  ) {
    cases.forEach((c, i) => {
      if (Number.isNaN(c.uncertainty)) throw new RangeError(`uncertainty ${i} is NaN`);
      if (!(c.risk >= 0 && c.risk <= 1)) throw new RangeError(`risk ${i} = ${c.risk} is outside [0, 1]`);
    });
    this.byUncertainty = group(cases, (c) => c.uncertainty);
    this.byRisk = group(cases, (c) => c.risk);
  }

  private size(w: Int32Array): number {
    const g = this.byUncertainty;
    let n = 0;
    for (let e = 0; e < g.subject.length; e++) n += w[g.subject[e]] * g.cases[e];
    return n;
  }

  /** AURC, E-AURC and AUGRC of the resample `w`; null when it holds fewer than 2 cases. */
  riskFigures(w: Int32Array): RiskFigures | null {
    const n = this.size(w);
    if (n < 2) return null;
    const g = this.byUncertainty;
    // Trapezoids over k = 1..N of (k/N, S_k/k) and (k/N, S_k/N), as riskCoverage's trapezoidArea.
    let selective = 0;
    let joint = 0;
    let x0 = 0;
    let r0 = 0;
    let j0 = 0;
    let k = 0;
    let before = 0;
    for (let t = 0; t + 1 < g.start.length; t++) {
      let cases = 0;
      let risk = 0;
      for (let e = g.start[t]; e < g.start[t + 1]; e++) {
        const m = w[g.subject[e]];
        cases += m * g.cases[e];
        risk += m * g.risk[e];
      }
      for (let i = 1; i <= cases; i++) {
        k++;
        const s = before + (i * risk) / cases;
        const x = k / n;
        const r = s / k;
        const j = s / n;
        if (k > 1) {
          selective += ((x - x0) * (r + r0)) / 2;
          joint += ((x - x0) * (j + j0)) / 2;
        }
        x0 = x;
        r0 = r;
        j0 = j;
      }
      before += risk;
    }
    const o = this.byRisk;
    let optimal = 0;
    let sum = 0;
    k = 0;
    for (let t = 0; t + 1 < o.start.length; t++)
      for (let e = o.start[t]; e < o.start[t + 1]; e++) {
        const copies = w[o.subject[e]] * o.cases[e];
        const each = o.key[t];
        for (let i = 0; i < copies; i++) {
          k++;
          sum += each;
          const x = k / n;
          const r = sum / k;
          if (k > 1) optimal += ((x - x0) * (r + r0)) / 2;
          x0 = x;
          r0 = r;
        }
      }
    const unit = 1 - 1 / n;
    const aurc = selective / unit;
    return { aurc, eAurc: aurc - optimal / unit, augrc: joint / unit };
  }

  /** AUROC for poor of the resample `w`; null without a poor or without a good case. */
  auroc(w: Int32Array): number | null {
    const g = this.byUncertainty;
    let below = 0;
    let wins = 0;
    let P = 0;
    for (let t = 0; t + 1 < g.start.length; t++) {
      let p = 0;
      let q = 0;
      for (let e = g.start[t]; e < g.start[t + 1]; e++) {
        const m = w[g.subject[e]];
        p += m * g.poor[e];
        q += m * (g.cases[e] - g.poor[e]);
      }
      wins += p * (below + q / 2);
      below += q;
      P += p;
    }
    return P === 0 || below === 0 ? null : wins / (P * below);
  }

  /** Each figure on every case (all multiplicities 1) and its interval over the resamples. */
  bootstrap(multiplicities: readonly Int32Array[]): Record<keyof RiskFigures | 'auroc', BootstrapInterval> {
    const all = new Int32Array(this.subjects).fill(1);
    const estimate = { ...this.riskFigures(all), auroc: this.auroc(all) };
    const values: Record<keyof RiskFigures | 'auroc', number[]> = { aurc: [], eAurc: [], augrc: [], auroc: [] };
    for (const w of multiplicities) {
      const f = this.riskFigures(w);
      if (f) for (const key of ['aurc', 'eAurc', 'augrc'] as const) values[key].push(f[key]);
      const a = this.auroc(w);
      if (a !== null) values.auroc.push(a);
    }
    const of = (key: keyof RiskFigures | 'auroc') =>
      percentileInterval(estimate[key] ?? null, values[key], multiplicities.length, this.subjects);
    return { aurc: of('aurc'), eAurc: of('eAurc'), augrc: of('augrc'), auroc: of('auroc') };
  }
}
