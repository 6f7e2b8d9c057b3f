/**
 * Spearman ρ over subject resamples (src/engine/statistics/subject-spearman.ts): on two hand-made
 * subjects whose four equally likely resamples are enumerated (ρ worked out by hand, the type-7
 * quantiles too); one subject collapses the interval onto the point; and on seeded resamples of
 * tied, partly undefined pairs, each resample's ρ equals a naive Spearman written here over the
 * concatenated drawn subjects (ranks by counting, Pearson by its definition).
 */
import seedrandom from 'seedrandom';
import { subjectDraws, subjectMultiplicities } from '../../../src/engine/statistics/bootstrap';
import { SubjectSpearman, type SpearmanCase } from '../../../src/engine/statistics/subject-spearman';

/** Average rank of each value: 1 + #{smaller} + (#{equal} − 1)/2. */
function naiveRanks(v: number[]): number[] {
  return v.map((x) => 1 + v.filter((y) => y < x).length + (v.filter((y) => y === x).length - 1) / 2);
}

function naiveSpearman(pairs: Array<[number, number]>): number | null {
  if (pairs.length < 2) return null;
  const a = naiveRanks(pairs.map((p) => p[0]));
  const b = naiveRanks(pairs.map((p) => p[1]));
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  a.forEach((x, i) => {
    sab += (x - ma) * (b[i] - mb);
    saa += (x - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  });
  return saa === 0 || sbb === 0 ? null : sab / Math.sqrt(saa * sbb);
}

describe('Spearman over subject resamples', () => {
  // Subject 0: (1, 1), (2, 3); subject 1: (3, 2) and a pair without y (dropped).
  const cases: SpearmanCase[] = [
    { subject: 0, x: 1, y: 1 },
    { subject: 0, x: 2, y: 3 },
    { subject: 1, x: 3, y: 2 },
    { subject: 1, x: 4, y: null },
  ];

  it('enumerates the four resamples of two subjects by hand', () => {
    const s = new SubjectSpearman(cases, 2);
    // All: ranks x 1, 2, 3 and y 1, 3, 2: ρ = 1 − 6·(0 + 1 + 1)/(3·8) = 0.5.
    expect(s.rho(Int32Array.from([1, 1]))).toBeCloseTo(0.5, 14);
    // Subject 0 twice: x 1, 2, 1, 2 and y 1, 3, 1, 3 rank alike: ρ = 1.
    expect(s.rho(Int32Array.from([2, 0]))).toBeCloseTo(1, 14);
    // Subject 1 twice: one distinct pair, x constant: undefined.
    expect(s.rho(Int32Array.from([0, 2]))).toBeNull();
    expect(s.pairs(Int32Array.from([0, 2]))).toBe(2);
    const b = s.bootstrap([
      Int32Array.from([2, 0]),
      Int32Array.from([1, 1]),
      Int32Array.from([1, 1]),
      Int32Array.from([0, 2]),
    ]);
    // Defined: 0.5, 0.5, 1. Type 7: h = 2·0.025 = 0.05 → 0.5; h = 2·0.975 = 1.95 → 0.5 + 0.95·0.5.
    expect(b.estimate).toBeCloseTo(0.5, 14);
    expect(b.undefinedResamples).toBe(1);
    expect(b.interval![0]).toBeCloseTo(0.5, 14);
    expect(b.interval![1]).toBeCloseTo(0.975, 14);
  });

  it('one subject: every resample is the sample, so the interval is the point', () => {
    const one = new SubjectSpearman(
      [
        { subject: 0, x: 1, y: 2 },
        { subject: 0, x: 2, y: 1 },
        { subject: 0, x: 3, y: 3 },
      ],
      1,
    );
    const b = one.bootstrap(subjectMultiplicities(1, 50, 3));
    // ranks (1, 2, 3) against (2, 1, 3): 1 − 6·(1 + 1 + 0)/24 = 0.5.
    expect(b.estimate).toBeCloseTo(0.5, 14);
    expect(b.interval![0]).toBeCloseTo(0.5, 14);
    expect(b.interval![1]).toBeCloseTo(0.5, 14);
  });

  it('each seeded resample equals the naive Spearman of the concatenated drawn subjects', () => {
    const random = seedrandom('subject-spearman');
    const S = 7;
    const all: SpearmanCase[] = [];
    const bySubject: Array<Array<[number | null, number | null]>> = [];
    for (let s = 0; s < S; s++) {
      const mine: Array<[number | null, number | null]> = [];
      for (let k = 0; k < 2 + Math.floor(random() * 5); k++) {
        // A 5-step grid (many ties); some x undefined, some y infinite (both dropped).
        const x = random() < 0.1 ? null : Math.round(random() * 5) / 5;
        const y = random() < 0.1 ? Infinity : Math.round(random() * 4) / 4;
        mine.push([x, y]);
        all.push({ subject: s, x, y });
      }
      bySubject.push(mine);
    }
    const s = new SubjectSpearman(all, S);
    const weights = subjectMultiplicities(S, 200, 'rho');
    let b = 0;
    for (const draw of subjectDraws(S, 200, 'rho')) {
      const pairs = draw
        .flatMap((i) => bySubject[i])
        .filter((p): p is [number, number] => p[0] !== null && Number.isFinite(p[0]) && Number.isFinite(p[1]!));
      const want = naiveSpearman(pairs);
      const got = s.rho(weights[b++]);
      if (want === null) expect(got).toBeNull();
      else expect(got).toBeCloseTo(want, 12);
    }
    expect(b).toBe(200);
  });
});
