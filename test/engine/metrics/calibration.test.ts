import {
  brierScore,
  calibration,
  confidenceBin,
  emptyReliabilityHistogram,
  expectedCalibrationError,
  mergeReliabilityHistograms,
  negativeLogLikelihood,
  reliabilityDiagram,
  reliabilityHistogram,
} from '../../../src/engine/metrics/calibration';

// Two pixels, C = 2: p̄ = [0.8, 0.2] with y = 0, p̄ = [0.4, 0.6] with y = 0.
const probs = [0.8, 0.2, 0.4, 0.6];
const labels = [0, 0];

describe('NLL, Brier, ECE by hand', () => {
  it('NLL = mean −ln p̄_y', () => {
    // (−ln 0.8 − ln 0.4)/2 = (0.2231435513 + 0.9162907319)/2 = 0.5697171416
    expect(negativeLogLikelihood(probs, labels, 2, 2)).toBeCloseTo(0.5697171416, 9);
  });

  it('Brier = mean Σ_c (p̄_c − [y=c])²', () => {
    // pixel 1: 0.2² + 0.2² = 0.08; pixel 2: 0.6² + 0.6² = 0.72; mean 0.4
    expect(brierScore(probs, labels, 2, 2)).toBeCloseTo(0.4, 12);
  });

  it('reliability histogram and ECE with 10 bins', () => {
    // pixel 1: confidence 0.8 → bin 8, argmax 0 = y (correct); pixel 2: 0.6 → bin 6, argmax 1 ≠ y.
    // ECE = (|1 − 0.8| + |0 − 0.6|)/2 = 0.4
    const r = calibration(probs, labels, 2, 2, 10);
    expect(r.histogram.count).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 1, 0]);
    expect(r.histogram.sumConfidence[8]).toBeCloseTo(0.8, 12);
    expect(r.histogram.sumCorrect).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(r.ece).toBeCloseTo(0.4, 12);
    const diagram = reliabilityDiagram(r.histogram);
    expect(diagram[6]).toEqual({ lower: 0.6, upper: 0.7, count: 1, meanConfidence: 0.6, accuracy: 0 });
    expect(diagram[0].accuracy).toBeNull();
  });

  it('defaults to 15 equal-width bins; confidence 1 goes to the last bin, ties go to the lowest class', () => {
    // pixel: [0.5, 0.5], y = 1 → argmax 0 (tie → lowest) → wrong; confidence 0.5 → ⌊7.5⌋ = 7
    // pixel: [0, 1], y = 1 → correct, confidence 1 → bin 14
    const h = reliabilityHistogram([0.5, 0.5, 0, 1], [1, 1], 2, 2);
    expect(h.bins).toBe(15);
    expect(h.count[7]).toBe(1);
    expect(h.sumCorrect[7]).toBe(0);
    expect(h.count[14]).toBe(1);
    expect(h.sumCorrect[14]).toBe(1);
    expect(confidenceBin(1, 15)).toBe(14);
    expect(confidenceBin(0, 15)).toBe(0);
    // ECE = (|0 − 0.5| + |1 − 1|)/2 = 0.25
    expect(expectedCalibrationError(h)).toBeCloseTo(0.25, 12);
  });

  it('merging histograms is summing: per-image histograms add up to the whole', () => {
    const whole = reliabilityHistogram(probs, labels, 2, 2);
    const merged = mergeReliabilityHistograms(
      reliabilityHistogram(probs.slice(0, 2), labels.slice(0, 1), 1, 2),
      reliabilityHistogram(probs.slice(2), labels.slice(1), 1, 2),
    );
    expect(merged).toEqual(whole);
    expect(expectedCalibrationError(merged)).toBeCloseTo(expectedCalibrationError(whole)!, 12);
    expect(() => mergeReliabilityHistograms(emptyReliabilityHistogram(10), emptyReliabilityHistogram(15))).toThrow(
      RangeError,
    );
    expect(expectedCalibrationError(emptyReliabilityHistogram())).toBeNull();
  });

  it('NLL stays finite when p̄_y = 0 (floored at 1e-12)', () => {
    expect(negativeLogLikelihood([1, 0], [1], 1, 2)).toBeCloseTo(-Math.log(1e-12), 9);
  });
});
