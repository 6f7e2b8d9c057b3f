/**
 * Failure detection over subject resamples (src/engine/statistics/subject-failure-detection.ts):
 * on two hand-made subjects whose four equally likely resamples are enumerated (AURC, E-AURC,
 * AUGRC and AUROC of each worked out by hand below, the type-7 quantiles too); one subject
 * collapses every interval onto its point; and on seeded resamples of tied scores (+∞ among them),
 * every figure equals a brute force written here from docs/design.md's definitions over the
 * concatenated drawn subjects (expected accepted risk per case, pairwise AUROC).
 */
import seedrandom from 'seedrandom';
import { subjectDraws, subjectMultiplicities } from '../../../src/engine/statistics/bootstrap';
import { SubjectFailureDetection, type FailureCase } from '../../../src/engine/statistics/subject-failure-detection';

function area(points: Array<[number, number]>, n: number): number {
  let a = 0;
  for (let k = 1; k < points.length; k++)
    a += ((points[k][0] - points[k - 1][0]) * (points[k][1] + points[k - 1][1])) / 2;
  return a / (1 - 1 / n);
}

/** Expected accepted risk after k: Σ_i ρ_i · clamp((k − #{u < u_i}) / #{u = u_i}, 0, 1). */
function brute(cases: FailureCase[]) {
  const n = cases.length;
  const sums = Array.from({ length: n }, (_, k0) => {
    let s = 0;
    for (const c of cases) {
      const below = cases.filter((d) => d.uncertainty < c.uncertainty).length;
      const tied = cases.filter((d) => d.uncertainty === c.uncertainty).length;
      s += c.risk * Math.min(1, Math.max(0, (k0 + 1 - below) / tied));
    }
    return s;
  });
  const sorted = cases.map((c) => c.risk).sort((a, b) => a - b);
  let acc = 0;
  const optimal = sorted.map((r, k) => [(k + 1) / n, (acc += r) / (k + 1)] as [number, number]);
  const aurc = area(
    sums.map((s, k) => [(k + 1) / n, s / (k + 1)]),
    n,
  );
  const poor = cases.filter((c) => c.poor);
  const good = cases.filter((c) => !c.poor);
  let wins = 0;
  for (const p of poor)
    for (const g of good) wins += p.uncertainty > g.uncertainty ? 1 : p.uncertainty === g.uncertainty ? 0.5 : 0;
  return {
    aurc,
    eAurc: aurc - area(optimal, n),
    augrc: area(
      sums.map((s, k) => [(k + 1) / n, s / n]),
      n,
    ),
    auroc: poor.length && good.length ? wins / (poor.length * good.length) : null,
  };
}

describe('failure detection over subject resamples', () => {
  // Subject 0: (u 0.1, risk 0, good), (u 0.5, risk 1, poor); subject 1: (u 0.5, risk 0.5, good).
  const cases: FailureCase[] = [
    { subject: 0, uncertainty: 0.1, risk: 0, poor: false },
    { subject: 0, uncertainty: 0.5, risk: 1, poor: true },
    { subject: 1, uncertainty: 0.5, risk: 0.5, poor: false },
  ];
  const w = (...m: number[]) => Int32Array.from(m);

  it('enumerates the four resamples of two subjects by hand', () => {
    const f = new SubjectFailureDetection(cases, 2);
    // All: S = 0, 0 + 1.5/2, 1.5; r = 0, 0.375, 0.5 → (0.0625 + 0.1458…)/(2/3) = 0.3125; optimal
    // risks 0, 0.5, 1: r = 0, 0.25, 0.5 → 0.25, E-AURC 0.0625; g = 0, 0.25, 0.5 → AUGRC 0.25;
    // AUROC: the poor 0.5 against good 0.1 (win) and 0.5 (tie): 1.5 / 2.
    const all = f.riskFigures(w(1, 1))!;
    expect(all.aurc).toBeCloseTo(0.3125, 14);
    expect(all.eAurc).toBeCloseTo(0.0625, 14);
    expect(all.augrc).toBeCloseTo(0.25, 14);
    expect(f.auroc(w(1, 1))).toBeCloseTo(0.75, 14);
    // Subject 0 twice: S = 0, 0, 1, 2; r = 0, 0, 1/3, 1/2 → (1/4)(1/6 + 5/12)/(3/4) = 7/36 (the
    // optimal order itself: E-AURC 0); g = 0, 0, 0.25, 0.5 → 0.125/0.75; both poor above both
    // good: AUROC 1.
    const twice0 = f.riskFigures(w(2, 0))!;
    expect(twice0.aurc).toBeCloseTo(7 / 36, 14);
    expect(twice0.eAurc).toBeCloseTo(0, 14);
    expect(twice0.augrc).toBeCloseTo(1 / 6, 14);
    expect(f.auroc(w(2, 0))).toBe(1);
    // Subject 1 twice: two tied cases of risk 0.5: r = 0.5, 0.5 → 0.5; g = 0.25, 0.5 → 0.375; no poor.
    const twice1 = f.riskFigures(w(0, 2))!;
    expect(twice1.aurc).toBeCloseTo(0.5, 14);
    expect(twice1.eAurc).toBeCloseTo(0, 14);
    expect(twice1.augrc).toBeCloseTo(0.375, 14);
    expect(f.auroc(w(0, 2))).toBeNull();
    // One case: no interval to integrate.
    expect(new SubjectFailureDetection(cases.slice(2), 2).riskFigures(w(0, 1))).toBeNull();

    const b = f.bootstrap([w(2, 0), w(1, 1), w(1, 1), w(0, 2)]);
    // AURC 7/36, 0.3125, 0.3125, 0.5: h = 3·0.025 = 0.075 → 7/36 + 0.075·(0.3125 − 7/36);
    // h = 3·0.975 = 2.925 → 0.3125 + 0.925·0.1875.
    expect(b.aurc.estimate).toBeCloseTo(0.3125, 14);
    expect(b.aurc.interval![0]).toBeCloseTo(7 / 36 + 0.075 * (0.3125 - 7 / 36), 14);
    expect(b.aurc.interval![1]).toBeCloseTo(0.4859375, 14);
    // E-AURC 0, 0, 0.0625, 0.0625: h = 0.075 → 0; h = 2.925 → 0.0625.
    expect(b.eAurc.interval![0]).toBeCloseTo(0, 14);
    expect(b.eAurc.interval![1]).toBeCloseTo(0.0625, 14);
    // AUGRC 1/6, 0.25, 0.25, 0.375: h = 0.075 → 1/6 + 0.075/12; h = 2.925 → 0.25 + 0.925·0.125.
    expect(b.augrc.interval![0]).toBeCloseTo(1 / 6 + 0.075 / 12, 14);
    expect(b.augrc.interval![1]).toBeCloseTo(0.365625, 14);
    // AUROC 1, 0.75, 0.75 and one undefined: h = 0.05 → 0.75; h = 1.95 → 0.75 + 0.95·0.25.
    expect(b.auroc.undefinedResamples).toBe(1);
    expect(b.auroc.interval![0]).toBeCloseTo(0.75, 14);
    expect(b.auroc.interval![1]).toBeCloseTo(0.9875, 14);
  });

  it('one subject: every interval is the point', () => {
    const f = new SubjectFailureDetection(
      cases.map((c) => ({ ...c, subject: 0 })),
      1,
    );
    const b = f.bootstrap(subjectMultiplicities(1, 40, 0));
    for (const key of ['aurc', 'eAurc', 'augrc', 'auroc'] as const) {
      expect(b[key].interval![0]).toBeCloseTo(b[key].estimate!, 14);
      expect(b[key].interval![1]).toBeCloseTo(b[key].estimate!, 14);
    }
    expect(b.aurc.estimate).toBeCloseTo(0.3125, 14);
  });

  it('each seeded resample equals the brute force over the concatenated drawn subjects', () => {
    const random = seedrandom('subject-failure-detection');
    const S = 6;
    const bySubject: FailureCase[][] = [];
    for (let s = 0; s < S; s++)
      bySubject.push(
        Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
          const poor = random() < 0.3;
          return {
            subject: s,
            uncertainty: random() < 0.1 ? Infinity : Math.round(random() * 6) / 6,
            // 1 − Dice on a coarse grid (ties in the optimal order too), or poor as 0/1.
            risk: random() < 0.5 ? Math.round(random() * 8) / 8 : poor ? 1 : 0,
            poor,
          };
        }),
      );
    const f = new SubjectFailureDetection(bySubject.flat(), S);
    const weights = subjectMultiplicities(S, 150, 'fd');
    let b = 0;
    for (const draw of subjectDraws(S, 150, 'fd')) {
      const want = brute(draw.flatMap((i) => bySubject[i]));
      const got = f.riskFigures(weights[b])!;
      expect(got.aurc).toBeCloseTo(want.aurc, 12);
      expect(got.eAurc).toBeCloseTo(want.eAurc, 12);
      expect(got.augrc).toBeCloseTo(want.augrc, 12);
      const auroc = f.auroc(weights[b++]);
      if (want.auroc === null) expect(auroc).toBeNull();
      else expect(auroc).toBeCloseTo(want.auroc, 12);
    }
  });

  it('refuses a NaN score and a risk outside [0, 1]', () => {
    expect(() => new SubjectFailureDetection([{ subject: 0, uncertainty: NaN, risk: 0, poor: false }], 1)).toThrow(
      RangeError,
    );
    expect(() => new SubjectFailureDetection([{ subject: 0, uncertainty: 0, risk: 2, poor: false }], 1)).toThrow(
      RangeError,
    );
  });
});
