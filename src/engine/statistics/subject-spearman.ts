/**
 * Spearman ρ over subject resamples without building them (docs/design.md "Bootstrap intervals";
 * ρ as engine/metrics/spearman.ts: the Pearson correlation of average ranks, pairs with a value
 * null or not finite dropped). A resample given as subject multiplicities w_s
 * (subjectMultiplicities) is the multiset of the kept pairs with pair j counted w_{s(j)} times.
 * Walking the pairs once in x order and once in y order (sorted here, once) gives every copy of
 * pair j the average rank its tie group holds in the concatenated resample — a tie group of total
 * weight W after C lower ranks has rank C + (W + 1)/2 — and ρ is the weighted Pearson correlation
 * of those ranks: the number spearman gives on the concatenation (to rounding; tested), without
 * sorting each resample. null for fewer than 2 pairs or a constant side, as spearman.
 */
import { percentileInterval, type BootstrapInterval } from './bootstrap';

export interface SpearmanCase {
  /** Index of the case's subject, 0 ≤ subject < subjects. */
  subject: number;
  x: number | null;
  y: number | null;
}

const ascending = (values: Float64Array) => (i: number, j: number) =>
  values[i] < values[j] ? -1 : values[i] > values[j] ? 1 : 0;

export class SubjectSpearman {
  private readonly subject: Int32Array;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly orderX: Int32Array;
  private readonly orderY: Int32Array;
  /** The current resample's ranks (reused: the bootstrap ranks B resamples). */
  private readonly rx: Float64Array;
  private readonly ry: Float64Array;

  constructor(
    cases: readonly SpearmanCase[],
    readonly subjects: number,
  ) {
    const kept = cases.filter(
      (c): c is SpearmanCase & { x: number; y: number } =>
        c.x !== null && c.y !== null && Number.isFinite(c.x) && Number.isFinite(c.y),
    );
    this.subject = Int32Array.from(kept, (c) => c.subject);
    this.x = Float64Array.from(kept, (c) => c.x);
    this.y = Float64Array.from(kept, (c) => c.y);
    const indices = () => Array.from({ length: kept.length }, (_, j) => j);
    this.orderX = Int32Array.from(indices().sort(ascending(this.x)));
    this.orderY = Int32Array.from(indices().sort(ascending(this.y)));
    this.rx = new Float64Array(kept.length);
    this.ry = new Float64Array(kept.length);
  }

  /** Average ranks of every kept pair's copies in the resample `w`; returns the resample's pair count. */
  private rank(w: Int32Array, order: Int32Array, values: Float64Array, out: Float64Array): number {
    const n = order.length;
    let below = 0;
    for (let i = 0; i < n;) {
      let k = i;
      let weight = 0;
      while (k < n && values[order[k]] === values[order[i]]) weight += w[this.subject[order[k++]]];
      const r = below + (weight + 1) / 2;
      for (let m = i; m < k; m++) out[order[m]] = r;
      below += weight;
      i = k;
    }
    return below;
  }

  /** Pairs the resample holds (kept pairs counted with their subject's multiplicity). */
  pairs(w: Int32Array): number {
    let n = 0;
    for (let j = 0; j < this.subject.length; j++) n += w[this.subject[j]];
    return n;
  }

  /** ρ of the resample `w`; null for fewer than 2 pairs or a constant side. */
  rho(w: Int32Array): number | null {
    const { rx, ry } = this;
    const n = this.subject.length;
    const N = this.rank(w, this.orderX, this.x, rx);
    this.rank(w, this.orderY, this.y, ry);
    if (N < 2) return null;
    const mean = (N + 1) / 2; // the mean of ranks 1..N, ties averaged
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let j = 0; j < n; j++) {
      const k = w[this.subject[j]];
      if (k === 0) continue;
      const a = rx[j] - mean;
      const b = ry[j] - mean;
      sxy += k * a * b;
      sxx += k * a * a;
      syy += k * b * b;
    }
    return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
  }

  /** ρ on every case (all multiplicities 1) and its interval over the resamples `multiplicities`. */
  bootstrap(multiplicities: readonly Int32Array[]): BootstrapInterval {
    const values: number[] = [];
    for (const w of multiplicities) {
      const r = this.rho(w);
      if (r !== null) values.push(r);
    }
    return percentileInterval(
      this.rho(new Int32Array(this.subjects).fill(1)),
      values,
      multiplicities.length,
      this.subjects,
    );
  }
}
