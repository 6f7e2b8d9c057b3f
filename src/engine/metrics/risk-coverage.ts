/**
 * Failure-detection measures of an uncertainty score u against a per-case risk ρ ∈ [0, 1]
 * (selective classification, Geifman & El-Yaniv NeurIPS 2017; AURC/E-AURC as in Jaeger et al.
 * ICLR 2023 and ValUES, Kahl et al. ICLR 2024; AUGRC of Traub et al. NeurIPS 2024; discretisation
 * as torch-uncertainty's AURC/AUGRC; docs/design.md "Definitions" → "Failure detection"). The risk
 * is 1 − Dice or poor (0/1); confidence = −u, so cases are accepted in ascending u.
 *
 * With N cases and S_k the summed risk of the k accepted first (k = 1..N):
 *   risk–coverage curve      (k/N, r_k), r_k = S_k / k         (selective risk)
 *   generalized curve        (k/N, g_k), g_k = S_k / N         (joint risk)
 *   AURC  = trapezoid of r over coverage 1/N..1, divided by (1 − 1/N) (as if over a unit interval)
 *   AUGRC = the same for g
 *   E-AURC = AURC − AURC of the optimal order (ascending ρ, every case its own step)
 * Ties in u: cases with equal u are accepted in random order, and S_k is its expectation — within
 * a tied group of j cases with risk sum G after S_before, S_{before+i} = S_before + i·G/j — so every
 * figure is the mean over the orderings of tied cases (the Mann–Whitney convention, failure-auroc.ts),
 * and E-AURC ≥ 0. null for N < 2 (no interval to integrate).
 */
import { trapezoidArea } from './qc-curve';

export interface RiskCoverage {
  /** [coverage k/N, selective risk r_k] for k = 1..N. */
  points: Array<[number, number]>;
  aurc: number | null;
  eAurc: number | null;
  augrc: number | null;
}

/** Expected S_k, k = 1..N, accepting in ascending uncertainty with ties in random order. */
function expectedAcceptedRisk(uncertainty: ArrayLike<number>, risk: ArrayLike<number>): Float64Array {
  const n = uncertainty.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => uncertainty[a] - uncertainty[b]);
  const sums = new Float64Array(n);
  let before = 0;
  for (let i = 0; i < n;) {
    let j = i;
    let group = 0;
    while (j < n && uncertainty[order[j]] === uncertainty[order[i]]) group += risk[order[j++]];
    for (let m = i; m < j; m++) sums[m] = before + ((m - i + 1) * group) / (j - i);
    before += group;
    i = j;
  }
  return sums;
}

function normalisedArea(points: Array<[number, number]>, n: number): number | null {
  return n < 2 ? null : trapezoidArea(points) / (1 - 1 / n);
}

export function riskCoverage(uncertainty: ArrayLike<number>, risk: ArrayLike<number>): RiskCoverage {
  const n = uncertainty.length;
  if (n === 0 || risk.length !== n)
    throw new RangeError(`need equal, non-zero numbers of scores and risks (${n}, ${risk.length})`);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(uncertainty[i])) throw new RangeError(`uncertainty ${i} is NaN`);
    if (!(risk[i] >= 0 && risk[i] <= 1)) throw new RangeError(`risk ${i} = ${risk[i]} is outside [0, 1]`);
  }
  const sums = expectedAcceptedRisk(uncertainty, risk);
  const points: Array<[number, number]> = Array.from(sums, (s, k) => [(k + 1) / n, s / (k + 1)]);
  const generalized: Array<[number, number]> = Array.from(sums, (s, k) => [(k + 1) / n, s / n]);
  const sorted = Float64Array.from(risk).sort();
  let s = 0;
  const optimal: Array<[number, number]> = Array.from(sorted, (r, k) => [(k + 1) / n, (s += r) / (k + 1)]);
  const aurc = normalisedArea(points, n);
  const best = normalisedArea(optimal, n);
  return {
    points,
    aurc,
    eAurc: aurc === null || best === null ? null : aurc - best,
    augrc: normalisedArea(generalized, n),
  };
}
