/**
 * QC policy thresholds (src/engine/metrics/qc-policy.ts) against a brute force that tries every
 * candidate threshold, and against the QC curve's review fraction on the same data.
 */
import seedrandom from 'seedrandom';
import { budgetThreshold, decideRules, flagsScore, qcScore, qcThreshold } from '../../../src/engine/metrics/qc-policy';
import { qcCurve } from '../../../src/engine/metrics/qc-curve';

/** Every distinct score and "flag nothing" as candidates; the smallest flagged set that meets the target. */
function bruteThreshold(scores: number[], poor: boolean[], target: number) {
  const n = scores.length;
  const candidates: Array<number | null> = [null, ...new Set(scores)];
  let best: { threshold: number | null; flagged: number; poorLeft: number } | null = null;
  for (const t of candidates) {
    let flagged = 0;
    let left = 0;
    for (let i = 0; i < n; i++) {
      const f = t !== null && scores[i] >= t;
      if (f) flagged++;
      else if (poor[i]) left++;
    }
    if (left > target * n + 1e-9) continue;
    if (best === null || flagged < best.flagged) best = { threshold: t, flagged, poorLeft: left };
  }
  return best!;
}

describe('qcThreshold', () => {
  it('picks the step of the curve by hand', () => {
    // Sorted: 0.9 (poor), 0.5 (ok), 0.5 (poor), 0.1 (ok); N = 4.
    const scores = [0.9, 0.5, 0.5, 0.1];
    const poor = [true, false, true, false];
    // target 0.25: one poor case may stay: flag 0.9 alone.
    expect(qcThreshold(scores, poor, 0.25)).toEqual({
      threshold: 0.9,
      target: 0.25,
      reviewFraction: 0.25,
      poorLeft: 0.25,
      n: 4,
      poor: 2,
    });
    // target 0: both poor flagged; the tie at 0.5 comes in together.
    expect(qcThreshold(scores, poor, 0)).toMatchObject({ threshold: 0.5, reviewFraction: 0.75, poorLeft: 0 });
    // target 0.5: nothing needs flagging.
    expect(qcThreshold(scores, poor, 0.5)).toMatchObject({ threshold: null, reviewFraction: 0, poorLeft: 0.5 });
  });

  it('flags everything when only the lowest score reaches the target: t = min u', () => {
    const r = qcThreshold([3, 2, 1], [false, false, true], 0);
    expect(r).toMatchObject({ threshold: 1, reviewFraction: 1, poorLeft: 0 });
    expect(qcThreshold([1, 1, 1], [true, false, false], 0)).toMatchObject({ threshold: 1, reviewFraction: 1 });
  });

  it("treats a target of exactly k/N as reached (the curve's slack)", () => {
    // 10 cases, 3 poor at the bottom; target 0.1 = 1 case: flags down to the second poor one.
    const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const poor = [false, false, false, false, false, false, false, true, true, true];
    expect(qcThreshold(scores, poor, 0.1)).toMatchObject({ threshold: 2, reviewFraction: 0.9, poorLeft: 0.1 });
    expect(qcThreshold(scores, poor, 0.3)).toMatchObject({ threshold: null, reviewFraction: 0 });
  });

  it('keeps +∞ scores (undefined ASSD_within) as a real threshold, distinct from null', () => {
    const r = qcThreshold([Infinity, Infinity, 2, 1], [true, true, false, false], 0);
    expect(r.threshold).toBe(Infinity);
    expect(r.reviewFraction).toBe(0.5);
    expect(flagsScore(Infinity, r.threshold)).toBe(true);
    expect(flagsScore(2, r.threshold)).toBe(false);
  });

  it("equals the brute force and the QC curve's review fraction on random tables with ties", () => {
    const rnd = seedrandom('qc-policy');
    for (let trial = 0; trial < 3000; trial++) {
      const n = 1 + Math.floor(rnd() * 12);
      const levels = 1 + Math.floor(rnd() * 6); // few distinct values → many ties
      const scores = Array.from({ length: n }, () => (rnd() < 0.1 ? Infinity : Math.floor(rnd() * levels) / 4));
      const poor = Array.from({ length: n }, () => rnd() < 0.4);
      const target = rnd() < 0.3 ? Math.floor(rnd() * (n + 1)) / n : rnd() * 0.6;
      const r = qcThreshold(scores, poor, target);
      const b = bruteThreshold(scores, poor, target);
      expect({ trial, threshold: r.threshold, flagged: r.reviewFraction * n, left: r.poorLeft * n }).toEqual({
        trial,
        threshold: b.threshold,
        flagged: b.flagged,
        left: b.poorLeft,
      });
      const flaggedAtT = scores.filter((u) => flagsScore(u, r.threshold)).length / n;
      expect(flaggedAtT).toBe(r.reviewFraction);
      expect(r.reviewFraction).toBe(qcCurve(scores, poor, target).reviewFraction);
    }
  });

  it('refuses empty or mismatched tables, NaN scores and targets outside [0, 1]', () => {
    expect(() => qcThreshold([], [], 0.05)).toThrow(RangeError);
    expect(() => qcThreshold([1], [true, false], 0.05)).toThrow(RangeError);
    expect(() => qcThreshold([NaN], [true], 0.05)).toThrow(/NaN/);
    expect(() => qcThreshold([1], [true], 1.5)).toThrow(/target/);
    expect(() => qcThreshold([1], [true], NaN)).toThrow(/target/);
  });
});

/** Every distinct score and "flag nothing"; the largest flagged set within the budget. */
function bruteBudget(scores: number[], budget: number) {
  const n = scores.length;
  let best: { threshold: number | null; flagged: number } = { threshold: null, flagged: 0 };
  for (const t of new Set(scores)) {
    const flagged = scores.filter((u) => u >= t).length;
    if (flagged <= budget * n + 1e-9 && flagged > best.flagged) best = { threshold: t, flagged };
  }
  return best;
}

describe('budgetThreshold', () => {
  it('picks the step by hand, leaving out a tie that would overrun the budget', () => {
    // Sorted: 0.9 (poor), 0.5 (ok), 0.5 (poor), 0.1 (ok); N = 4.
    const scores = [0.9, 0.5, 0.5, 0.1];
    const poor = [true, false, true, false];
    // Budget 0.5 = 2 cases: the tie at 0.5 would make 3, so only 0.9 is flagged.
    expect(budgetThreshold(scores, poor, 0.5)).toEqual({
      threshold: 0.9,
      target: 0.5,
      reviewFraction: 0.25,
      poorLeft: 0.25,
      n: 4,
      poor: 2,
    });
    expect(budgetThreshold(scores, poor, 0.75)).toMatchObject({ threshold: 0.5, reviewFraction: 0.75, poorLeft: 0 });
    expect(budgetThreshold(scores, poor, 1)).toMatchObject({ threshold: 0.1, reviewFraction: 1, poorLeft: 0 });
    // Below one case: flag nothing.
    expect(budgetThreshold(scores, poor, 0.2)).toMatchObject({ threshold: null, reviewFraction: 0, poorLeft: 0.5 });
    expect(budgetThreshold([1, 1], [true, true], 0.5)).toMatchObject({ threshold: null, reviewFraction: 0 });
  });

  it('counts a budget of exactly k/N as k cases (the slack)', () => {
    const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(
      budgetThreshold(
        scores,
        scores.map(() => false),
        0.3,
      ),
    ).toMatchObject({ threshold: 8, reviewFraction: 0.3 });
  });

  it('equals the brute force on random tables with ties', () => {
    const rnd = seedrandom('qc-budget');
    for (let trial = 0; trial < 2000; trial++) {
      const n = 1 + Math.floor(rnd() * 12);
      const levels = 1 + Math.floor(rnd() * 6);
      const scores = Array.from({ length: n }, () => (rnd() < 0.1 ? Infinity : Math.floor(rnd() * levels) / 4));
      const poor = Array.from({ length: n }, () => rnd() < 0.4);
      const budget = rnd() < 0.3 ? Math.floor(rnd() * (n + 1)) / n : rnd();
      const r = budgetThreshold(scores, poor, budget);
      const b = bruteBudget(scores, budget);
      expect({ trial, threshold: r.threshold, flagged: r.reviewFraction * n }).toEqual({
        trial,
        threshold: b.threshold,
        flagged: b.flagged,
      });
      const left = poor.filter((p, i) => p && !flagsScore(scores[i], r.threshold)).length;
      expect(r.poorLeft * n).toBe(left);
    }
  });

  it('refuses budgets outside [0, 1]', () => {
    expect(() => budgetThreshold([1], [true], -0.1)).toThrow(/target/);
  });
});

describe('decideRules', () => {
  it('flags when any rule flags, with each rule’s value and threshold', () => {
    const values = {
      LV: { entropy: 0.3, mi: 0.02, diceWithin: 0.9, assdWithinMm: null },
      MYO: { entropy: 0.3, mi: 0.02, diceWithin: 0.6, assdWithinMm: 2 },
      RV: { entropy: 0.3, mi: 0.02, diceWithin: 0.95, assdWithinMm: 1 },
    };
    const { flagged, decisions } = decideRules(
      [
        { structure: 'LV', measure: 'ENTROPY', threshold: 0.5 },
        { structure: 'MYO', measure: 'DICE_WITHIN', threshold: 0.25 },
        { structure: 'LV', measure: 'ASSD_WITHIN', threshold: null },
      ],
      (s) => values[s],
    );
    expect(flagged).toBe(true);
    expect(decisions).toEqual([
      { structure: 'LV', measure: 'ENTROPY', threshold: 0.5, value: 0.3, flagged: false },
      { structure: 'MYO', measure: 'DICE_WITHIN', threshold: 0.25, value: 0.4, flagged: true },
      { structure: 'LV', measure: 'ASSD_WITHIN', threshold: null, value: Infinity, flagged: false },
    ]);
    expect(decideRules([{ structure: 'RV', measure: 'MI', threshold: 0.1 }], (s) => values[s]).flagged).toBe(false);
  });
});

describe('qcScore', () => {
  const v = { entropy: 0.3, mi: 0.02, diceWithin: 0.875, assdWithinMm: null };
  it("is the QC curve's score of each measure", () => {
    expect(qcScore('ENTROPY', v)).toBe(0.3);
    expect(qcScore('MI', v)).toBe(0.02);
    expect(qcScore('DICE_WITHIN', v)).toBe(0.125);
    expect(qcScore('ASSD_WITHIN', v)).toBe(Infinity);
    expect(qcScore('ASSD_WITHIN', { ...v, assdWithinMm: 1.5 })).toBe(1.5);
  });
});
