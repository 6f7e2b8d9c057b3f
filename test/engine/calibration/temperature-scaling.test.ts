/**
 * Temperature scaling (docs/design.md "Temperature scaling"): probabilities softmax(z) of fixed
 * logits z with labels drawn from the tempered distribution softmax(z / T0) — the fit must find
 * T0 (within 5 % at N = 20 000 pixels, C = 4); the NLL after never exceeds the NLL before; T = 1
 * leaves probabilities unchanged; a hand-worked two-class NLL.
 */
import seedrandom from 'seedrandom';
import { applyTemperature, fitTemperature, temperedNll } from '../../../src/engine/calibration/temperature-scaling';

const C = 4;

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** N pixels: logits ~ N(0, 3²) per class, p = softmax(z), y ~ softmax(z / T0). */
function synthetic(T0: number, N: number, seed: string) {
  const r = seedrandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const probs = new Float32Array(N * C);
  const labels = new Uint8Array(N);
  for (let n = 0; n < N; n++) {
    const z = Array.from({ length: C }, () => 3 * normal());
    probs.set(softmax(z), n * C);
    const q = softmax(z.map((v) => v / T0));
    let u = r();
    let y = 0;
    while (y < C - 1 && u >= q[y]) u -= q[y++];
    labels[n] = y;
  }
  return { probs, labels, classes: C };
}

describe('fit', () => {
  it.each([0.5, 1, 2, 4])('recovers T0 = %f within 5 %% from 20 000 pixels', (T0) => {
    const set = synthetic(T0, 20000, `T${T0}`);
    const fit = fitTemperature(set);
    expect(Math.abs(fit.temperature / T0 - 1)).toBeLessThan(0.05);
    expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore);
    expect(fit.nllBefore).toBeCloseTo(temperedNll(set, 1), 10);
    expect(fit.nllAfter).toBeCloseTo(temperedNll(set, fit.temperature), 10);
    // A minimum: nudging T either way does not lower the NLL.
    expect(temperedNll(set, fit.temperature * 1.01)).toBeGreaterThanOrEqual(fit.nllAfter - 1e-12);
    expect(temperedNll(set, fit.temperature / 1.01)).toBeGreaterThanOrEqual(fit.nllAfter - 1e-12);
  });

  it('a hand-worked two-class NLL: p = (0.8, 0.2), y = 0, T = 2 → −log(√.8 / (√.8 + √.2)) = log 1.5', () => {
    const set = { probs: Float32Array.from([0.8, 0.2]), labels: Uint8Array.from([0]), classes: 2 };
    expect(temperedNll(set, 2)).toBeCloseTo(Math.log(1.5), 6);
  });

  it('all predictions right and confident → the smallest temperature; all wrong → the largest', () => {
    const probs = Float32Array.from([0.9, 0.1, 0.9, 0.1]);
    expect(fitTemperature({ probs, labels: Uint8Array.from([0, 0]), classes: 2 }).temperature).toBeCloseTo(0.05, 3);
    expect(fitTemperature({ probs, labels: Uint8Array.from([1, 1]), classes: 2 }).temperature).toBeCloseTo(20, 1);
  });

  it('bad input is a typed error', () => {
    expect(() => fitTemperature({ probs: new Float32Array(3), labels: new Uint8Array(1), classes: 4 })).toThrow(
      /labels/,
    );
    expect(() => fitTemperature({ probs: new Float32Array(2), labels: Uint8Array.from([3]), classes: 2 })).toThrow(
      /label 3/,
    );
  });
});

describe('apply', () => {
  it('T = 1 leaves probabilities unchanged; T > 1 flattens, argmax kept, rows sum to 1', () => {
    const p = Float32Array.from([0.7, 0.1, 0.1, 0.1, 0.05, 0.05, 0.6, 0.3]);
    expect(applyTemperature(p.slice(), C, 1)).toEqual(p);
    const q = applyTemperature(p.slice(), C, 3);
    expect(q[0]).toBeLessThan(0.7);
    expect(q[0]).toBeCloseTo(softmax([0.7, 0.1, 0.1, 0.1].map((v) => Math.log(v) / 3))[0], 6);
    expect(q[6]).toBeGreaterThan(q[7]);
    expect(q[4] + q[5] + q[6] + q[7]).toBeCloseTo(1, 6);
    expect(() => applyTemperature(p, C, 0)).toThrow(/positive/);
  });
});
