/**
 * The combined QC score's logistic fit against answers known without it: with one binary feature
 * and no penalty the maximum-likelihood fit reproduces each group's poor fraction; with a penalty
 * the penalised log-likelihood, written out here, is flat at the fit (central differences).
 */
import {
  combinedFeatures,
  combinedQcScore,
  fitCombinedQcScore,
  probabilityPoor,
  uncertaintyFeature,
} from '../../../src/engine/plausibility/combined-qc-score';
import type { SlicePlausibility } from '../../../src/engine/plausibility/slice-plausibility';

const group = (x: number, count: number, poorCount: number) =>
  Array.from({ length: count }, (_, i) => ({ x: [x], poor: i < poorCount }));

test('no penalty, one binary feature: fitted P(poor) is each group’s poor fraction', () => {
  const cases = [...group(0, 10, 2), ...group(1, 10, 7)];
  const model = fitCombinedQcScore(
    cases.map((c) => c.x),
    cases.map((c) => c.poor),
    { ridge: 0 },
  );
  expect(probabilityPoor(model, [0])).toBeCloseTo(0.2, 9);
  expect(probabilityPoor(model, [1])).toBeCloseTo(0.7, 9);
  expect(model).toMatchObject({ n: 20, poor: 9, mean: [0.5], sd: [0.5] });
});

test('with a penalty the penalised log-likelihood has zero gradient at the fit', () => {
  const xs = [
    [0.1, 0],
    [0.5, 1],
    [0.9, 0],
    [0.3, 2],
    [0.7, 0],
    [0.2, 0],
    [0.8, 1],
    [0.4, 0],
  ];
  const poor = [false, true, true, false, false, false, true, true];
  const model = fitCombinedQcScore(xs, poor, { ridge: 0.5 });
  const objective = (beta: number[]) => {
    let ll = 0;
    xs.forEach((x, i) => {
      const z = beta[0] + x.reduce((a, v, j) => a + beta[j + 1] * ((v - model.mean[j]) / model.sd[j]), 0);
      const p = 1 / (1 + Math.exp(-z));
      ll += poor[i] ? Math.log(p) : Math.log(1 - p);
    });
    return ll - (0.5 / 2) * (beta[1] ** 2 + beta[2] ** 2);
  };
  for (let j = 0; j < 3; j++) {
    const h = 1e-5;
    const up = model.coefficients.map((b, k) => (k === j ? b + h : b));
    const down = model.coefficients.map((b, k) => (k === j ? b - h : b));
    expect(Math.abs((objective(up) - objective(down)) / (2 * h))).toBeLessThan(1e-6);
  }
  // The score is the log-odds: higher for the case the model thinks more likely poor.
  expect(combinedQcScore(model, [0.9, 2])).toBeGreaterThan(combinedQcScore(model, [0.1, 0]));
});

test('a feature constant in the fitting set gets coefficient 0; degenerate sets are refused', () => {
  const model = fitCombinedQcScore(
    [0, 0, 0, 1, 1, 1].map((x) => [x, 3]),
    [true, false, false, true, true, false],
    { ridge: 0 },
  );
  expect(model.coefficients[2]).toBe(0);
  expect(probabilityPoor(model, [0, 99])).toBeCloseTo(1 / 3, 9);
  expect(probabilityPoor(model, [1, -5])).toBeCloseTo(2 / 3, 9);
  // Separable without a penalty: no maximum exists, and the fit says so.
  expect(() => fitCombinedQcScore([[0], [0], [1], [1]], [false, false, true, true], { ridge: 0 })).toThrow(
    /no finite maximum/,
  );
  expect(() => fitCombinedQcScore([[0], [1]], [true, true])).toThrow(/poor and good/);
  expect(() => fitCombinedQcScore([[0], [NaN]], [true, false])).toThrow(/finite/);
  expect(() => fitCombinedQcScore([[0]], [true, false])).toThrow(RangeError);
});

test('features of a structure, by hand', () => {
  const plausibility: SlicePlausibility = {
    topology: {
      LV: { components: 1, holes: 0 },
      MYO: { components: 2, holes: 0 },
      RV: { components: 3, holes: 1 },
    },
    lvExposed: 4,
    myoClosed: false,
    rvLvContact: 0,
  };
  expect(combinedFeatures('ENTROPY', 'MYO', 0.25, plausibility, 0.5)).toEqual([0.25, 1, 1, Math.log(5), 0, 0.5]);
  expect(combinedFeatures('MI', 'RV', 0.1, plausibility, 1)).toEqual([0.1, 2, 1, Math.log(5), 0, 1]);
  expect(uncertaintyFeature('ASSD_WITHIN', Infinity)).toBe(1);
  expect(uncertaintyFeature('ASSD_WITHIN', 10)).toBeCloseTo(1 - Math.exp(-1), 12);
  expect(uncertaintyFeature('DICE_WITHIN', 0.3)).toBe(0.3);
});
