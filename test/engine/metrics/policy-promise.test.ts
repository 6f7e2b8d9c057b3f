/**
 * A policy's promise (src/engine/metrics/policy-promise.ts): thresholds per rule, the combined
 * review fraction and poor left, and their subject-bootstrap intervals, against hand counts and a
 * brute-force replay of the same seeded subject draws.
 */
import { choosePolicy, type PolicyCase } from '../../../src/engine/metrics/policy-promise';
import { subjectDraws } from '../../../src/engine/statistics/bootstrap';

/** Type-7 quantile of a sorted list, written out. */
function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

// Subjects A (0.9 poor, 0.1), B (0.5 poor), C (0.2, 0.3): N = 5, P = 2.
const oneRule: PolicyCase[] = [
  { subject: 'A', scores: [0.9], poor: [true] },
  { subject: 'A', scores: [0.1], poor: [false] },
  { subject: 'B', scores: [0.5], poor: [true] },
  { subject: 'C', scores: [0.2], poor: [false] },
  { subject: 'C', scores: [0.3], poor: [false] },
];
const LV_ENTROPY = [{ structure: 'LV', measure: 'ENTROPY' }] as const;

describe('choosePolicy', () => {
  it('chooses the poor-left and budget thresholds by hand', () => {
    const poorLeft = choosePolicy(LV_ENTROPY, oneRule, { kind: 'POOR_LEFT', value: 0 }, { seed: 1, resamples: 10 });
    expect(poorLeft.rules).toEqual([
      { structure: 'LV', measure: 'ENTROPY', threshold: 0.5, reviewFraction: 0.4, poorLeft: 0 },
    ]);
    expect(poorLeft).toMatchObject({ cases: 5, subjects: 3 });
    expect(poorLeft.reviewFraction.estimate).toBe(0.4);
    expect(poorLeft.poorLeft.estimate).toBe(0);
    const budget = choosePolicy(LV_ENTROPY, oneRule, { kind: 'REVIEW_BUDGET', value: 0.2 }, { seed: 1, resamples: 10 });
    expect(budget.rules[0].threshold).toBe(0.9);
    expect(budget.reviewFraction.estimate).toBe(0.2);
    expect(budget.poorLeft.estimate).toBe(0.2);
  });

  it('bootstraps with the thresholds fixed: equal to replaying the seeded subject draws by hand', () => {
    const B = 200;
    const p = choosePolicy(LV_ENTROPY, oneRule, { kind: 'POOR_LEFT', value: 0 }, { seed: 7, resamples: B });
    // Per subject: [cases, flagged (u ≥ 0.5), poor unflagged].
    const perSubject = [
      [2, 1, 0],
      [1, 1, 0],
      [2, 0, 0],
    ];
    const review: number[] = [];
    for (const draw of subjectDraws(3, B, 7)) {
      const n = draw.reduce((a, s) => a + perSubject[s][0], 0);
      review.push(draw.reduce((a, s) => a + perSubject[s][1], 0) / n);
    }
    review.sort((a, b) => a - b);
    expect(p.reviewFraction.interval![0]).toBeCloseTo(quantile(review, 0.025), 12);
    expect(p.reviewFraction.interval![1]).toBeCloseTo(quantile(review, 0.975), 12);
    expect(p.reviewFraction.resamples).toBe(B);
    // No poor case is ever left: the interval is [0, 0].
    expect(p.poorLeft.interval).toEqual([0, 0]);
  });

  it('combines rules: flagged when any rule flags, poor when poor in any rule’s structure', () => {
    // Rule 0 (LV entropy) and rule 1 (RV MI); per case [u0, u1], [poor LV, poor RV].
    const cases: PolicyCase[] = [
      { subject: 'A', scores: [0.9, 0.0], poor: [true, false] },
      { subject: 'A', scores: [0.1, 0.8], poor: [false, true] },
      { subject: 'B', scores: [0.2, 0.1], poor: [false, true] },
      { subject: 'B', scores: [0.3, 0.2], poor: [false, false] },
    ];
    const p = choosePolicy(
      [
        { structure: 'LV', measure: 'ENTROPY' },
        { structure: 'RV', measure: 'MI' },
      ],
      cases,
      { kind: 'REVIEW_BUDGET', value: 0.25 },
      { seed: 3, resamples: 50 },
    );
    // Each rule may flag one case: LV flags case 0 (0.9), RV flags case 1 (0.8).
    expect(p.rules.map((r) => r.threshold)).toEqual([0.9, 0.8]);
    // Together they flag 2 of 4; case 2 is poor (RV) and unflagged: poor left 1/4.
    expect(p.reviewFraction.estimate).toBe(0.5);
    expect(p.poorLeft.estimate).toBe(0.25);
  });

  it('refuses no rules, no cases and cases without a score per rule', () => {
    const t = { kind: 'POOR_LEFT' as const, value: 0.1 };
    const b = { seed: 0, resamples: 5 };
    expect(() => choosePolicy([], oneRule, t, b)).toThrow(RangeError);
    expect(() => choosePolicy(LV_ENTROPY, [], t, b)).toThrow(RangeError);
    expect(() => choosePolicy(LV_ENTROPY, [{ subject: 'A', scores: [1, 2], poor: [true] }], t, b)).toThrow(/per rule/);
  });
});
