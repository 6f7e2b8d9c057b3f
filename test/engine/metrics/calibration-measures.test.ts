/**
 * MCE, class-wise ECE and adaptive (equal-mass) ECE against hand-worked tables (arithmetic in the
 * comments), and the histogram form of ACE against the exact one: equal when every equal-mass cut
 * falls on a fine-bin edge, within the stated bound otherwise.
 */
import seedrandom from 'seedrandom';
import {
  calibration,
  confidenceBin,
  emptyReliabilityHistogram,
  mergeReliabilityHistograms,
} from '../../../src/engine/metrics/calibration';
import {
  adaptiveCalibrationError,
  adaptiveCalibrationErrorFromHistogram,
  equalMassCuts,
  topLabelOutcomes,
} from '../../../src/engine/metrics/adaptive-calibration-error';
import {
  classwiseCalibrationError,
  classwiseHistograms,
} from '../../../src/engine/metrics/classwise-calibration-error';
import { maximumCalibrationError } from '../../../src/engine/metrics/maximum-calibration-error';

function histogramOf(confidence: number[], correct: number[], bins: number) {
  const h = emptyReliabilityHistogram(bins);
  confidence.forEach((c, i) => {
    const b = confidenceBin(c, bins);
    h.count[b] += 1;
    h.sumConfidence[b] += c;
    h.sumCorrect[b] += correct[i];
  });
  return h;
}

describe('maximum calibration error', () => {
  it('is the largest |acc − conf| over non-empty bins', () => {
    // 10 bins. Bin 8: 0.8 correct, 0.85 wrong → |1 − 1.65|/2 = 0.325; bin 6: 0.6 wrong → 0.6.
    const probs = [0.8, 0.2, 0.4, 0.6, 0.85, 0.15];
    const r = calibration(probs, [0, 0, 1], 3, 2, 10);
    expect(maximumCalibrationError(r.histogram)).toBeCloseTo(0.6, 12);
    const onlyBin8 = calibration([0.8, 0.2, 0.15, 0.85], [0, 0], 2, 2, 10);
    expect(maximumCalibrationError(onlyBin8.histogram)).toBeCloseTo(0.325, 12);
  });

  it('is null for an empty histogram', () => {
    expect(maximumCalibrationError(emptyReliabilityHistogram(15))).toBeNull();
  });
});

describe('class-wise ECE', () => {
  // C = 3, 2 bins ([0, .5), [.5, 1]):
  //   a = [.7, .2, .1] y 0;  b = [.6, .3, .1] y 1;  c = [.2, .2, .6] y 2
  // class 0: bin 1 {.7 (y), .6} |1 − 1.3| = .3, bin 0 {.2} |0 − .2| = .2 → ECE_0 = .5/3
  // class 1: bin 0 {.2, .3 (y), .2} |1 − .7| = .3 → .1
  // class 2: bin 0 {.1, .1} .2, bin 1 {.6 (y)} .4 → .2
  // mean = (1/6 + .1 + .2)/3 = 7/45
  const probs = [0.7, 0.2, 0.1, 0.6, 0.3, 0.1, 0.2, 0.2, 0.6];
  const labels = [0, 1, 2];

  it('averages the per-class ECEs of p_c against [y = c]', () => {
    const hs = classwiseHistograms(probs, labels, 3, 3, 2);
    expect(hs[0].count).toEqual([1, 2]);
    expect(hs[1].sumCorrect).toEqual([1, 0]);
    expect(classwiseCalibrationError(hs)).toBeCloseTo(7 / 45, 12);
  });

  it('is exact from merged per-slice histograms', () => {
    const first = classwiseHistograms(probs.slice(0, 6), labels.slice(0, 2), 2, 3, 2);
    const second = classwiseHistograms(probs.slice(6), labels.slice(2), 1, 3, 2);
    const merged = first.map((h, c) => mergeReliabilityHistograms(h, second[c]));
    expect(classwiseCalibrationError(merged)).toBeCloseTo(7 / 45, 12);
  });

  it('is null without pixels', () => {
    expect(classwiseCalibrationError(classwiseHistograms([], [], 0, 3, 2))).toBeNull();
  });
});

describe('adaptive (equal-mass) ECE, exact', () => {
  it('cuts like numpy.array_split', () => {
    expect(equalMassCuts(5, 3)).toEqual([0, 2, 4, 5]);
    expect(equalMassCuts(2, 3)).toEqual([0, 1, 2, 2]);
    expect(equalMassCuts(6, 2)).toEqual([0, 3, 6]);
  });

  it('by hand, 5 pixels in 3 bins', () => {
    // sorted: .55 ✓, .6 ✗ | .7 ✓, .9 ✓ | .95 ✓
    // |1 − 1.15| + |2 − 1.6| + |1 − .95| = .15 + .4 + .05 = .6 → /5 = .12
    expect(adaptiveCalibrationError([0.9, 0.6, 0.7, 0.95, 0.55], [1, 0, 1, 1, 1], 3)).toBeCloseTo(0.12, 12);
  });

  it('ties ordered by correctness, whatever the pixel order', () => {
    // four pixels at .5: sorted ✗ ✗ | ✓ ✓ → |0 − 1| + |2 − 1| = 2 → /4 = .5
    expect(adaptiveCalibrationError([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0], 2)).toBeCloseTo(0.5, 12);
    expect(adaptiveCalibrationError([0.5, 0.5, 0.5, 0.5], [0, 1, 1, 0], 2)).toBeCloseTo(0.5, 12);
  });

  it('fewer pixels than bins leaves bins empty; no pixel gives null', () => {
    // bins {.3 ✗} {.8 ✓} {}: (.3 + .2)/2 = .25
    expect(adaptiveCalibrationError([0.8, 0.3], [1, 0], 3)).toBeCloseTo(0.25, 12);
    expect(adaptiveCalibrationError([], [], 3)).toBeNull();
  });

  it('top-label outcomes from probabilities, ties to the lowest class', () => {
    const { confidence, correct } = topLabelOutcomes([0.5, 0.5, 0.3, 0.7], [1, 1], 2, 2);
    expect(Array.from(confidence)).toEqual([0.5, 0.7]);
    expect(Array.from(correct)).toEqual([0, 1]);
  });
});

describe('adaptive ECE from a fine histogram', () => {
  it('equals the exact value when the cuts fall on fine-bin edges (by hand)', () => {
    // 10 fine bins, one pixel in bins 0, 1, 3, 5, 7, 9; B = 3 cuts at 2 and 4 = the edges after
    // bins 1 and 5. exact: {.05 ✓, .15 ✗} {.35 ✓, .55 ✗} {.75 ✓, .95 ✓}
    // |1 − .2| + |1 − .9| + |2 − 1.7| = .8 + .1 + .3 = 1.2 → /6 = .2
    const conf = [0.05, 0.15, 0.35, 0.55, 0.75, 0.95];
    const correct = [1, 0, 1, 0, 1, 1];
    const approx = adaptiveCalibrationErrorFromHistogram(histogramOf(conf, correct, 10), 3);
    expect(approx!.ace).toBeCloseTo(0.2, 12);
    expect(approx!.errorBound).toBe(0);
    expect(adaptiveCalibrationError(conf, correct, 3)).toBeCloseTo(0.2, 12);
  });

  it('a cut inside a fine bin moves to the nearest edge and the bound says how far', () => {
    // 2 fine bins: bin 0 {.1 ✓, .2 ✗, .3 ✓}, bin 1 {.8 ✓}; B = 2, cut at 2, edges 0, 3, 4 → 3
    // histogram: |2 − .6| + |1 − .8| = 1.6 → .4. Moving the cut bounds the error by 2·|3 − 2|/4 = .5;
    // tighter: the first 2 of bin 0 hold 1 or 2 correct and confidence in [max(0, .6 − 1), 2·.6/3]
    // = [0, .4], so the prefix A_1 ∈ [.6, 2] with A_0 = 0, A_2 = 1.6: the sum |A_1| + |1.6 − A_1|
    // is at most 2 + .4 = 2.4 and at least 1.6, so the bound is max(2.4 − 1.6, 0)/4 = .2
    // (exact: {.1 ✓, .2 ✗} {.3 ✓, .8 ✓} → |1 − .3| + |2 − 1.1| = 1.6 → .4).
    const approx = adaptiveCalibrationErrorFromHistogram(histogramOf([0.1, 0.2, 0.3, 0.8], [1, 0, 1, 1], 2), 2);
    expect(approx!.ace).toBeCloseTo(0.4, 12);
    expect(approx!.errorBound).toBeCloseTo(0.2, 12);
  });

  it('empty fine bins: the cut snaps past a run of equal edges', () => {
    // 4 fine bins, counts 5, 0, 0, 5 (edges 0 5 5 5 10); B = 2 cut at 5 lands on an edge: exact
    const conf = [0.01, 0.02, 0.03, 0.04, 0.05, 0.8, 0.85, 0.9, 0.95, 0.99];
    const correct = [0, 0, 1, 0, 0, 1, 1, 1, 0, 1];
    const approx = adaptiveCalibrationErrorFromHistogram(histogramOf(conf, correct, 4), 2)!;
    expect(approx.errorBound).toBe(0);
    expect(approx.ace).toBeCloseTo(adaptiveCalibrationError(conf, correct, 2)!, 12);
  });

  it('random pixels: equal when cuts align by construction, within the bound otherwise', () => {
    const rng = seedrandom('ace');
    for (let trial = 0; trial < 200; trial++) {
      const bins = 1 + Math.floor(rng() * 15);
      const fine = 1000;
      // aligned: coarse bin b's m pixels all lie in fine bins [b·fine/bins, (b+1)·fine/bins)
      const m = 1 + Math.floor(rng() * 20);
      const conf: number[] = [];
      const correct: number[] = [];
      for (let b = 0; b < bins; b++) {
        const lo = Math.ceil((b * fine) / bins);
        const hi = Math.ceil(((b + 1) * fine) / bins);
        for (let i = 0; i < m; i++) {
          conf.push((lo + Math.floor(rng() * (hi - lo)) + 0.5) / fine);
          correct.push(rng() < 0.7 ? 1 : 0);
        }
      }
      const aligned = adaptiveCalibrationErrorFromHistogram(histogramOf(conf, correct, fine), bins)!;
      expect(aligned.errorBound).toBe(0);
      expect(aligned.ace).toBeCloseTo(adaptiveCalibrationError(conf, correct, bins)!, 10);

      const n = 1 + Math.floor(rng() * 300);
      const free = Array.from({ length: n }, () => (rng() < 0.2 ? 0.5 : rng()));
      const ok = free.map(() => (rng() < 0.6 ? 1 : 0));
      const coarseFine = [10, 50, 1000][trial % 3];
      const approx = adaptiveCalibrationErrorFromHistogram(histogramOf(free, ok, coarseFine), bins)!;
      const exact = adaptiveCalibrationError(free, ok, bins)!;
      expect(Math.abs(approx.ace - exact)).toBeLessThanOrEqual(approx.errorBound + 1e-12);
    }
  });
});
