/**
 * Posterior summaries, agreement with ground truth, interval coverage and subject QC, against
 * values worked out by hand (and numpy: np.quantile's default is type 7, np.std(ddof=1)).
 */
import { agreement } from '../../../src/engine/clinical/agreement';
import { blandAltman } from '../../../src/engine/clinical/bland-altman';
import { biomarkerPosterior } from '../../../src/engine/clinical/biomarkers';
import { intervalCoverage } from '../../../src/engine/clinical/interval-coverage';
import { isPoorSubject } from '../../../src/engine/clinical/poor-subject';
import { posteriorSummary } from '../../../src/engine/clinical/posterior-interval';
import { subjectFlag } from '../../../src/engine/clinical/subject-flag';

describe('posteriorSummary', () => {
  it('mean, sample SD (n − 1) and type-7 quantiles', () => {
    // sorted 1 1 3 4 5: mean 14/5; Σ(x − 2.8)² = 0.04 + 3.24 + 1.44 + 3.24 + 4.84 = 12.8, SD √(12.8/4) = √3.2;
    // q.025: h = 4 · 0.025 = 0.1 → 1 + 0.1 · (1 − 1) = 1; q.975: h = 3.9 → 4 + 0.9 · (5 − 4) = 4.9.
    const s = posteriorSummary([3, 1, 4, 1, 5])!;
    expect(s.n).toBe(5);
    expect(s.mean).toBeCloseTo(2.8, 12);
    expect(s.sd).toBeCloseTo(Math.sqrt(3.2), 12);
    expect(s.q025).toBeCloseTo(1, 12);
    expect(s.q975).toBeCloseTo(4.9, 12);
    // 1..10: h = 9 · 0.025 = 0.225 → 1.225; h = 8.775 → 9.775 (np.quantile(np.arange(1, 11), [.025, .975])).
    const t = posteriorSummary([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])!;
    expect(t.q025).toBeCloseTo(1.225, 12);
    expect(t.q975).toBeCloseTo(9.775, 12);
  });

  it('T = 1: the value itself, SD null; no samples or an undefined one: null', () => {
    expect(posteriorSummary([0.6])).toEqual({ n: 1, mean: 0.6, sd: null, q025: 0.6, q975: 0.6 });
    expect(posteriorSummary([])).toBeNull();
    expect(posteriorSummary([0.5, null, 0.6])).toBeNull();
    expect(() => posteriorSummary([1, NaN])).toThrow(RangeError);
  });

  it('does not reorder the caller’s samples', () => {
    const x = [3, 1, 2];
    posteriorSummary(x);
    expect(x).toEqual([3, 1, 2]);
  });
});

describe('biomarkerPosterior', () => {
  const vol = (LV: number, MYO: number, RV: number) => ({ LV, MYO, RV });
  // Sample t of ED pairs with sample t of ES: LV EF_t = (100 − 50)/100, (110 − 44)/110, (120 − 60)/120 = 0.5, 0.6, 0.5.
  const ed = [vol(100, 80, 150), vol(110, 90, 150), vol(120, 100, 0)];
  const es = [vol(50, 82, 75), vol(44, 88, 60), vol(60, 96, 10)];

  it('combines sample t of both phases', () => {
    const p = biomarkerPosterior(ed, es);
    const ef = p['LV.ef']!;
    // mean 1.6 / 3; deviations −1/30, 2/30, −1/30: SD √((6/900)/2) = √(1/300);
    // sorted 0.5 0.5 0.6: q.025 h = 0.05 → 0.5; q.975 h = 1.95 → 0.5 + 0.95 · 0.1 = 0.595.
    expect(ef.mean).toBeCloseTo(1.6 / 3, 12);
    expect(ef.sd).toBeCloseTo(Math.sqrt(1 / 300), 12);
    expect(ef.q025).toBeCloseTo(0.5, 12);
    expect(ef.q975).toBeCloseTo(0.595, 12);
    // LV SV 50, 66, 60: mean 176/3.
    expect(p['LV.sv_ml']!.mean).toBeCloseTo(176 / 3, 12);
    // MYO mass at ED 1.05 · (80, 90, 100): mean 94.5, SD 1.05 · 10 = 10.5.
    expect(p['MYO.mass_ed_g']!.mean).toBeCloseTo(94.5, 12);
    expect(p['MYO.mass_ed_g']!.sd).toBeCloseTo(10.5, 12);
    // RV EDV is 0 in sample 2: EF has no distribution, the volumes still do.
    expect(p['RV.ef']).toBeNull();
    expect(p['RV.edv_ml']!.mean).toBeCloseTo(100, 12);
  });

  it('pairs by sample index, not by value (another pairing gives another EF)', () => {
    const shuffled = [es[1], es[0], es[2]]; // EF (100 − 44)/100, (110 − 50)/110, 0.5
    expect(biomarkerPosterior(ed, shuffled)['LV.ef']!.mean).toBeCloseTo((0.56 + 60 / 110 + 0.5) / 3, 12);
  });

  it('refuses phases with different numbers of samples', () => {
    expect(() => biomarkerPosterior(ed, es.slice(1))).toThrow(/same number/);
    expect(() => biomarkerPosterior([], [])).toThrow(/same number/);
  });
});

describe('agreement with ground truth', () => {
  const pred = [0.5, 0.6, 0.4, 0.55];
  const gt = [0.52, 0.55, 0.45, 0.55];

  it('Bland–Altman bias ± 1.96 SD, Pearson r, MAE', () => {
    // d = −0.02, 0.05, −0.05, 0: bias −0.005; Σ(d − bias)² = 0.000225 + 0.003025 + 0.002025 + 0.000025 = 0.0053,
    // SD √(0.0053/3) = 0.0420317…; limits −0.005 ∓ 0.0823822; MAE 0.12/4 = 0.03.
    // r: Σdxdy = 0.011625, Σdx² = 0.021875, Σdy² = 0.006675 → 0.011625/√(0.021875·0.006675) = 0.9620404.
    const a = agreement(pred, gt);
    expect(a.n).toBe(4);
    expect(a.undefinedCount).toBe(0);
    expect(a.bias).toBeCloseTo(-0.005, 12);
    expect(a.sdDiff).toBeCloseTo(Math.sqrt(0.0053 / 3), 12);
    expect(a.lower).toBeCloseTo(-0.005 - 1.96 * Math.sqrt(0.0053 / 3), 12);
    expect(a.upper).toBeCloseTo(0.0773822, 6);
    expect(a.mae).toBeCloseTo(0.03, 12);
    expect(a.pearsonR).toBeCloseTo(0.011625 / Math.sqrt(0.021875 * 0.006675), 12);
    expect(a.pearsonR).toBeCloseTo(0.9620404, 6);
  });

  it('leaves out and counts subjects with an undefined value; n < 2 has no limits or r', () => {
    const a = agreement([...pred, null, 0.3], [...gt, 0.5, null]);
    expect([a.n, a.undefinedCount]).toEqual([4, 2]);
    expect(a.bias).toBeCloseTo(-0.005, 12);
    expect(blandAltman([0.6], [0.5])).toEqual({
      n: 1,
      undefinedCount: 0,
      bias: expect.closeTo(0.1, 12),
      sdDiff: null,
      lower: null,
      upper: null,
    });
    const none = agreement([null], [0.5]);
    expect(none).toEqual({
      n: 0,
      undefinedCount: 1,
      bias: null,
      sdDiff: null,
      lower: null,
      upper: null,
      pearsonR: null,
      mae: null,
    });
    expect(() => agreement([1, 2], [1])).toThrow(/length/);
  });
});

describe('interval coverage', () => {
  it('the fraction of ground truths inside [q.025, q.975], bounds included', () => {
    const iv = [
      { q025: 0.4, q975: 0.6 },
      { q025: 0.5, q975: 0.55 },
      { q025: 0.3, q975: 0.35 },
      null,
      { q025: 0, q975: 1 },
    ];
    // 0.6 on the upper bound: in; 0.56: out; 0.3 on the lower bound: in; no interval; no truth.
    expect(intervalCoverage(iv, [0.6, 0.56, 0.3, 0.5, null])).toEqual({
      n: 3,
      covered: 2,
      coverage: 2 / 3,
      undefinedCount: 2,
    });
    expect(intervalCoverage([null], [0.5])).toEqual({ n: 0, covered: 0, coverage: null, undefinedCount: 1 });
  });
});

describe('subject QC', () => {
  it('flags an EF interval crossing 0.35 or 0.50 (lo < θ ≤ hi) or wider than 0.10', () => {
    expect(subjectFlag({ q025: 0.3, q975: 0.36 })).toEqual({
      flag: true,
      reasons: [{ kind: 'CROSSES', threshold: 0.35 }],
    });
    expect(subjectFlag({ q025: 0.45, q975: 0.5 })).toEqual({
      flag: true,
      reasons: [{ kind: 'CROSSES', threshold: 0.5 }],
    });
    // lo = 0.50: "EF < 0.50" is false at both ends.
    expect(subjectFlag({ q025: 0.5, q975: 0.55 })).toEqual({ flag: false, reasons: [] });
    expect(subjectFlag({ q025: 0.36, q975: 0.49 })).toEqual({
      flag: true,
      reasons: [{ kind: 'WIDE', width: expect.closeTo(0.13, 12) }],
    });
    expect(subjectFlag({ q025: 0.3, q975: 0.6 }).reasons.map((r) => r.kind)).toEqual(['CROSSES', 'CROSSES', 'WIDE']);
    expect(subjectFlag(null)).toEqual({ flag: true, reasons: [{ kind: 'EF_UNDEFINED' }] });
  });

  it('takes its own thresholds and width', () => {
    expect(subjectFlag({ q025: 0.3, q975: 0.36 }, { thresholds: [0.4], maxWidth: 0.05 })).toEqual({
      flag: true,
      reasons: [{ kind: 'WIDE', width: expect.closeTo(0.06, 12) }],
    });
    expect(subjectFlag({ q025: 0.38, q975: 0.42 }, { thresholds: [0.4] }).reasons).toEqual([
      { kind: 'CROSSES', threshold: 0.4 },
    ]);
    expect(() => subjectFlag(null, { maxWidth: -1 })).toThrow(RangeError);
  });

  it('poor subject: |EF error| > 5 points; exactly 5 is not poor; undefined predicted EF is poor', () => {
    expect(isPoorSubject(0.6, 0.5)).toBe(true);
    expect(isPoorSubject(0.52, 0.5)).toBe(false);
    expect(isPoorSubject(0.55, 0.5)).toBe(false); // 0.05000000000000004 in floating point
    expect(isPoorSubject(0.45, 0.5)).toBe(false);
    expect(isPoorSubject(0.44, 0.5)).toBe(true);
    expect(isPoorSubject(null, 0.5)).toBe(true);
    expect(isPoorSubject(0.5, null)).toBeNull();
    expect(isPoorSubject(0.52, 0.5, 0.01)).toBe(true);
  });
});
