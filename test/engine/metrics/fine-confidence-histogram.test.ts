/**
 * The fine top-label histogram the store keeps for adaptive ECE (fine-confidence-histogram.ts):
 * bins worked out by hand from the definition, ascending in confidence; and ACE formed from merged
 * per-slice fine histograms against the exact ACE of the pooled pixels, sorted here by brute force:
 * equal when every pixel value sits in a single-valued bin (float32 softmax outputs near 1, the
 * plain U-Net's case), within the returned bound otherwise.
 */
import seedrandom from 'seedrandom';
import { adaptiveCalibrationErrorFromHistogram } from '../../../src/engine/metrics/adaptive-calibration-error';
import {
  FINE_BINS,
  FINE_LOG_BINS,
  type FineConfidenceHistogram,
  fineConfidenceBin,
  fineConfidenceHistogram,
} from '../../../src/engine/metrics/fine-confidence-histogram';

/** Sparse histograms merged as the store's SQL merges them: sums add, extremes combine, by bin index. */
function merge(hs: FineConfidenceHistogram[]) {
  const byIndex = new Map<number, { count: number; conf: number; correct: number; min: number; max: number }>();
  for (const h of hs)
    h.index.forEach((b, i) => {
      const m = byIndex.get(b) ?? { count: 0, conf: 0, correct: 0, min: Infinity, max: -Infinity };
      m.count += h.count[i];
      m.conf += h.sumConfidence[i];
      m.correct += h.sumCorrect[i];
      m.min = Math.min(m.min, h.min[i]);
      m.max = Math.max(m.max, h.max[i]);
      byIndex.set(b, m);
    });
  const bins = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
  return {
    bins: bins.length,
    count: bins.map((m) => m.count),
    sumConfidence: bins.map((m) => m.conf),
    sumCorrect: bins.map((m) => m.correct),
    min: bins.map((m) => m.min),
    max: bins.map((m) => m.max),
  };
}

/** ACE by the definition: sort by (confidence, correct), numpy.array_split sizes, Σ|Σcorrect − Σconf| / N. */
function bruteAce(pixels: Array<[number, number]>, bins: number): number {
  const sorted = [...pixels].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const n = sorted.length;
  let gap = 0;
  let start = 0;
  for (let b = 0; b < bins; b++) {
    const size = Math.floor(n / bins) + (b < n % bins ? 1 : 0);
    let d = 0;
    for (const [conf, correct] of sorted.slice(start, start + size)) d += correct - conf;
    gap += Math.abs(d);
    start += size;
  }
  return gap / n;
}

/** A slice of random 2-class pixels: [p0, p1] per pixel and the label. */
function slice(random: () => number, pixels: number, value: () => number) {
  const probs: number[] = [];
  const labels: number[] = [];
  const outcomes: Array<[number, number]> = [];
  for (let j = 0; j < pixels; j++) {
    const conf = value();
    const top = random() < 0.5 ? 0 : 1;
    probs.push(top === 0 ? conf : 1 - conf, top === 0 ? 1 - conf : conf);
    const label = random() < conf ? top : 1 - top;
    labels.push(label);
    outcomes.push([conf, label === top ? 1 : 0]);
  }
  return { probs, labels, outcomes };
}

describe('fine confidence bins', () => {
  it('follow the octaves of 1 − confidence, 32 steps each, ascending in confidence', () => {
    // d = 0.75 = 2^−1 · 1.5: octave 0, top mantissa bits 10000 = 16 → 31 − 16 = 15.
    expect(fineConfidenceBin(0.25)).toBe(15);
    // d = 0.5 = 2^−1: octave 0, step 0 → 31; d = 0.25: octave 1 → 32 + 31 = 63.
    expect(fineConfidenceBin(0.5)).toBe(31);
    expect(fineConfidenceBin(0.75)).toBe(63);
    // d = 2^−24 (the float32 step below 1): octave 23 → 23·32 + 31.
    expect(fineConfidenceBin(1 - 2 ** -24)).toBe(23 * 32 + 31);
    expect(fineConfidenceBin(1 - 2 ** -40)).toBe(FINE_LOG_BINS);
    expect(fineConfidenceBin(1)).toBe(FINE_BINS - 1);
    const random = seedrandom('fine-bins');
    const values = Array.from({ length: 5000 }, () => 1 - random() ** 8).sort((a, b) => a - b);
    for (let i = 1; i < values.length; i++)
      expect(fineConfidenceBin(values[i])).toBeGreaterThanOrEqual(fineConfidenceBin(values[i - 1]));
  });

  it('list only non-empty bins with count, sums and extremes', () => {
    // Pixels [0.9, 0.1] y 0, [0.2, 0.8] y 0, [0.9, 0.1] y 1: confidences 0.9, 0.8, 0.9.
    const h = fineConfidenceHistogram([0.9, 0.1, 0.2, 0.8, 0.9, 0.1], [0, 0, 1], 3, 2);
    expect(h.index).toEqual([fineConfidenceBin(0.8), fineConfidenceBin(0.9)]);
    expect(h.count).toEqual([1, 2]);
    expect(h.sumCorrect).toEqual([0, 1]);
    expect(h.sumConfidence[1]).toBeCloseTo(1.8, 15);
    expect([h.min, h.max]).toEqual([
      [0.8, 0.9],
      [0.8, 0.9],
    ]);
  });
});

describe('adaptive ECE from merged fine histograms', () => {
  it('is exact when every value has a bin of its own (float32 outputs near 1)', () => {
    const random = seedrandom('fine-exact');
    // Values 1 − k·2^−24 (k = 0..6) and a few coarse ones: every fine bin holds one value.
    const value = () =>
      random() < 0.8 ? 1 - Math.floor(random() * 7) * 2 ** -24 : [0.6, 0.75, 0.9][Math.floor(random() * 3)];
    const slices = Array.from({ length: 5 }, () => slice(random, 37 + Math.floor(random() * 20), value));
    const hs = slices.map((s) => fineConfidenceHistogram(s.probs, s.labels, s.labels.length, 2));
    const r = adaptiveCalibrationErrorFromHistogram(merge(hs), 15)!;
    expect(r.errorBound).toBe(0);
    expect(r.ace).toBeCloseTo(
      bruteAce(
        slices.flatMap((s) => s.outcomes),
        15,
      ),
      12,
    );
  });

  it('is within the returned bound for continuous confidences', () => {
    const random = seedrandom('fine-bound');
    const value = () => 1 - 0.5 * random() ** 4;
    const slices = Array.from({ length: 6 }, () => slice(random, 400, value));
    const hs = slices.map((s) => fineConfidenceHistogram(s.probs, s.labels, s.labels.length, 2));
    const r = adaptiveCalibrationErrorFromHistogram(merge(hs), 15)!;
    const exact = bruteAce(
      slices.flatMap((s) => s.outcomes),
      15,
    );
    expect(Math.abs(r.ace - exact)).toBeLessThanOrEqual(r.errorBound + 1e-12);
    expect(r.errorBound).toBeGreaterThan(0);
    expect(r.errorBound).toBeLessThan(0.05);
  });

  it('never errs by more than its bound: 300 random small cases, coarse fine bins with extremes', () => {
    const random = seedrandom('fine-stress');
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(random() * 40);
      const coarse = 1 + Math.floor(random() * 6);
      const pixels: Array<[number, number]> = Array.from({ length: n }, () => {
        const c = random() < 0.3 ? 0.5 + Math.floor(random() * 3) / 4 : 0.5 + random() / 2;
        return [c, random() < c ? 1 : 0];
      });
      // Fine bins of width 1/(2·coarse) over [.5, 1], with their extremes.
      const binOf = (c: number) => Math.min(Math.floor((c - 0.5) * 2 * coarse), coarse - 1);
      const h = merge(
        pixels.map(([c, ok]) => ({
          bins: 1,
          index: [binOf(c)],
          count: [1],
          sumConfidence: [c],
          sumCorrect: [ok],
          min: [c],
          max: [c],
        })),
      );
      const bins = 1 + Math.floor(random() * 8);
      const r = adaptiveCalibrationErrorFromHistogram(h, bins)!;
      expect(Math.abs(r.ace - bruteAce(pixels, bins))).toBeLessThanOrEqual(r.errorBound + 1e-12);
    }
  });
});
