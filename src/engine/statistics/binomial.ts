/**
 * Binomial tail for the report's coverage findings (docs/design.md "Biomarkers from the store" →
 * "In the study report"): P(X ≤ k) for X ~ Binomial(n, p), the chance that a calibrated method (each
 * subject's 95 % interval covers its truth with p = 0.95, independently) covers k subjects or
 * fewer of n. Term by term from log P(X = 0) = n·log(1 − p) with the ratio
 * P(X = i + 1) / P(X = i) = (n − i)/(i + 1) · p/(1 − p), summed in log space so that
 * (1 − p)^n may underflow (0.05^n does for n > 240) without losing the tail.
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k)) throw new RangeError(`binomialCdf: k ${k}, n ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomialCdf: p ${p} is not a probability`);
  if (k < 0) return 0;
  if (k >= n || p === 0) return 1;
  if (p === 1) return 0;
  const logs = [n * Math.log1p(-p)];
  for (let i = 0; i < k; i++) logs.push(logs[i] + Math.log((n - i) / (i + 1)) + Math.log(p / (1 - p)));
  const top = Math.max(...logs);
  return Math.min(1, Math.exp(top) * logs.reduce((s, l) => s + Math.exp(l - top), 0));
}
