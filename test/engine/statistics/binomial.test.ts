/**
 * P(X ≤ k) for X ~ Binomial(n, p) against sums worked out by hand, and the tail of a long series
 * against a brute-force sum of exact binomial coefficients (BigInt).
 */
import { binomialCdf } from '../../../src/engine/statistics/binomial';

describe('binomialCdf', () => {
  test('small cases by hand', () => {
    // n 4, p 0.95: P(4) = 0.95^4 = 0.81450625, P(3) = 4 · 0.95^3 · 0.05 = 0.171475,
    // so P(X ≤ 2) = 1 − 0.81450625 − 0.171475 = 0.01401875 and P(X ≤ 3) = 0.18549375.
    expect(binomialCdf(2, 4, 0.95)).toBeCloseTo(0.01401875, 12);
    expect(binomialCdf(3, 4, 0.95)).toBeCloseTo(0.18549375, 12);
    // P(X ≤ 0) = 0.05^4 = 6.25e-6; n 1: P(X ≤ 0) = 1 − p.
    expect(binomialCdf(0, 4, 0.95)).toBeCloseTo(6.25e-6, 15);
    expect(binomialCdf(0, 1, 0.95)).toBeCloseTo(0.05, 15);
    // Fair coin, n 3: P(X ≤ 1) = (1 + 3) / 8.
    expect(binomialCdf(1, 3, 0.5)).toBeCloseTo(0.5, 15);
  });

  test('edges: k < 0, k ≥ n, p 0 and 1', () => {
    expect(binomialCdf(-1, 4, 0.95)).toBe(0);
    expect(binomialCdf(4, 4, 0.95)).toBe(1);
    expect(binomialCdf(9, 4, 0.95)).toBe(1);
    expect(binomialCdf(0, 4, 0)).toBe(1);
    expect(binomialCdf(3, 4, 1)).toBe(0);
    expect(() => binomialCdf(1, 2.5, 0.5)).toThrow(RangeError);
    expect(() => binomialCdf(1, 4, 1.5)).toThrow(RangeError);
  });

  test('n 300, where 0.05^n underflows, equals the exact sum', () => {
    // Exact: Σ_{i ≤ k} C(n, i) 95^i 5^(n−i) / 100^n in BigInt, divided once at the end.
    const n = 300;
    const k = 270;
    let c = 1n;
    let num = 0n;
    for (let i = 0; i <= k; i++) {
      if (i > 0) c = (c * BigInt(n - i + 1)) / BigInt(i);
      num += c * 95n ** BigInt(i) * 5n ** BigInt(n - i);
    }
    const scale = 10n ** 30n;
    const exact = Number((num * scale) / 100n ** BigInt(n)) / Number(scale);
    expect(exact).toBeGreaterThan(1e-6);
    expect(binomialCdf(k, n, 0.95)).toBeCloseTo(exact, 10);
  });
});
