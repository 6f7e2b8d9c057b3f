/**
 * Risk–coverage curve, AURC, E-AURC, AUGRC and the failure AUROC against hand-worked tables with
 * ties (arithmetic in the comments), and against brute force on random tables: the strict-order
 * definitions (torch-uncertainty's) averaged over every ordering of tied cases, and AUROC over all
 * (poor, good) pairs.
 */
import seedrandom from 'seedrandom';
import { failureAuroc } from '../../../src/engine/metrics/failure-auroc';
import { riskCoverage } from '../../../src/engine/metrics/risk-coverage';

describe('by hand', () => {
  // u = [.1, .4, .4, .9], risk = poor = [0, 1, 0, 1]; accepted in ascending u, the two .4 in either
  // order: S = 0, (1 + 0)/2, 1, 2 → r = 0, 1/4, 1/3, 1/2 at coverage 1/4, 1/2, 3/4, 1
  //   AURC  = ¼·[(0 + ¼)/2 + (¼ + ⅓)/2 + (⅓ + ½)/2] / (1 − ¼) = (5/24)/(3/4) = 5/18
  //   optimal order 0, 0, 1, 1: r = 0, 0, 1/3, 1/2 → ¼·[0 + 1/6 + 5/12]/(3/4) = 7/36; E-AURC = 1/12
  //   g = S/4 = 0, 1/8, 1/4, 1/2 → AUGRC = ¼·[1/16 + 3/16 + 6/16]/(3/4) = 5/24
  //   AUROC: poor {.4, .9} vs good {.1, .4}: wins (.9,.1) (.9,.4) (.4,.1), tie (.4,.4) → 3.5/4
  const u = [0.1, 0.4, 0.4, 0.9];
  const poor = [false, true, false, true];

  it('risk = poor', () => {
    const rc = riskCoverage(u, poor.map(Number));
    expect(rc.points.map(([c]) => c)).toEqual([0.25, 0.5, 0.75, 1]);
    rc.points.forEach(([, r], k) => expect(r).toBeCloseTo([0, 1 / 4, 1 / 3, 1 / 2][k], 12));
    expect(rc.aurc).toBeCloseTo(5 / 18, 12);
    expect(rc.eAurc).toBeCloseTo(1 / 12, 12);
    expect(rc.augrc).toBeCloseTo(5 / 24, 12);
    expect(failureAuroc(u, poor)).toBeCloseTo(0.875, 12);
  });

  it('risk = 1 − Dice', () => {
    // Dice .9, .5, .7, .2 → ρ = .1, .5, .3, .8 (order is input order; the .4 pair is tied)
    // S = .1, .1 + .4, .9, 1.7 → r = .1, .25, .3, .425
    //   AURC = ¼·[(.1 + .25)/2 + (.25 + .3)/2 + (.3 + .425)/2]/(3/4) = ¼·.8125/.75 = 0.2708333…
    //   optimal .1, .3, .5, .8: r = .1, .2, .3, .425 → ¼·[.15 + .25 + .3625]/.75 = 0.2541666…
    //   g = .025, .125, .225, .425 → AUGRC = ¼·[.075 + .175 + .325]/.75 = 0.1916666…
    const rc = riskCoverage(u, [0.1, 0.5, 0.3, 0.8]);
    expect(rc.aurc).toBeCloseTo(0.8125 / 3, 12);
    expect(rc.eAurc).toBeCloseTo((0.8125 - 0.7625) / 3, 12);
    expect(rc.augrc).toBeCloseTo(0.575 / 3, 12);
  });

  it('three cases all tied: flat curve at the mean risk, AUROC ½', () => {
    // ρ = 1, 0, 0, all u = .3: S = 1/3, 2/3, 1 → r = 1/3 at every coverage → AURC = ⅓·(2/3)·(1/3)/(2/3) = 1/3
    //   optimal 0, 0, 1: r = 0, 0, 1/3 → ⅓·(0 + 1/6)/(2/3) = 1/12; AUGRC: g = 1/9, 2/9, 1/3 →
    //   ⅓·(1/6 + 5/18)/(2/3) = 2/9; AUROC: both pairs tied → ½
    const rc = riskCoverage([0.3, 0.3, 0.3], [1, 0, 0]);
    expect(rc.aurc).toBeCloseTo(1 / 3, 12);
    expect(rc.eAurc).toBeCloseTo(1 / 3 - 1 / 12, 12);
    expect(rc.augrc).toBeCloseTo(2 / 9, 12);
    expect(failureAuroc([0.3, 0.3, 0.3], [true, false, false])).toBe(0.5);
  });

  it('a perfect score has E-AURC 0 and AUROC 1; one class alone has no AUROC; N = 1 no area', () => {
    const rc = riskCoverage([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]);
    expect(rc.eAurc).toBeCloseTo(0, 15);
    expect(failureAuroc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(failureAuroc([0.1, 0.2], [false, false])).toBeNull();
    expect(riskCoverage([0.5], [1])).toEqual({ points: [[1, 1]], aurc: null, eAurc: null, augrc: null });
  });

  it('refuses risks outside [0, 1], NaN scores and mismatched lengths', () => {
    expect(() => riskCoverage([0.1, 0.2], [0, 1.5])).toThrow(RangeError);
    expect(() => riskCoverage([NaN, 0.2], [0, 1])).toThrow(RangeError);
    expect(() => riskCoverage([0.1], [0, 1])).toThrow(RangeError);
  });
});

/** torch-uncertainty's strict-order AURC/AUGRC: accept in the given order. */
function strictOrder(order: number[], risk: number[]): { aurc: number; augrc: number } {
  const n = order.length;
  let s = 0;
  const r: number[] = [];
  const g: number[] = [];
  order.forEach((i, k) => {
    s += risk[i];
    r.push(s / (k + 1));
    g.push(s / n);
  });
  const trapz = (y: number[]) => y.slice(1).reduce((a, v, k) => a + (v + y[k]) / (2 * n), 0) / (1 - 1 / n);
  return { aurc: trapz(r), augrc: trapz(g) };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

/** Every order consistent with ascending u (tied cases in all their orders). */
function tieOrders(u: number[]): number[][] {
  const levels = [...new Set(u)].sort((a, b) => a - b);
  let orders: number[][] = [[]];
  for (const level of levels) {
    const group = u.map((v, i) => (v === level ? i : -1)).filter((i) => i >= 0);
    orders = orders.flatMap((o) => permutations(group).map((p) => [...o, ...p]));
  }
  return orders;
}

describe('brute force on random tables', () => {
  it('the mean over tie orders of the strict-order areas; E-AURC against the best of all orders', () => {
    const rng = seedrandom('risk-coverage');
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + Math.floor(rng() * 5);
      const u = Array.from({ length: n }, () => Math.floor(rng() * 3) / 2);
      const risk = Array.from({ length: n }, () => (trial % 2 ? Math.round(rng() * 4) / 4 : rng() < 0.4 ? 1 : 0));
      const orders = tieOrders(u);
      const mean = (f: (o: number[]) => number) => orders.reduce((a, o) => a + f(o), 0) / orders.length;
      const best = Math.min(...permutations(u.map((_, i) => i)).map((o) => strictOrder(o, risk).aurc));
      const rc = riskCoverage(u, risk);
      expect(rc.aurc).toBeCloseTo(
        mean((o) => strictOrder(o, risk).aurc),
        12,
      );
      expect(rc.augrc).toBeCloseTo(
        mean((o) => strictOrder(o, risk).augrc),
        12,
      );
      expect(rc.eAurc).toBeCloseTo(rc.aurc! - best, 12);
      expect(rc.eAurc!).toBeGreaterThanOrEqual(-1e-12);

      const poor = risk.map((r) => r >= 0.5);
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (!poor[i] || poor[j]) continue;
          pairs++;
          wins += u[i] > u[j] ? 1 : u[i] === u[j] ? 0.5 : 0;
        }
      }
      const auroc = failureAuroc(u, poor);
      if (pairs === 0) expect(auroc).toBeNull();
      else expect(auroc).toBeCloseTo(wins / pairs, 12);
    }
  });
});
