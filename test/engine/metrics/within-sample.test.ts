import seedrandom from 'seedrandom';
import { sampleStatistics } from '../../../src/engine/metrics/sample-statistics';
import { directedSumByRingSearch } from '../../../src/engine/metrics/surface-distance';
import { WithinSampleWorkspace, argmaxLabels, withinSampleMeasures } from '../../../src/engine/metrics/within-sample';
import { randomLabels, randomSamples, refBoundary, refDirected, refMetrics } from './brute-force';

/** One-hot float32 samples [T, rows, cols, C] from label images (value per pixel). */
function oneHot(labels: number[][], C: number): Float32Array {
  const P = labels[0].length;
  const out = new Float32Array(labels.length * P * C);
  labels.forEach((lab, t) => lab.forEach((v, i) => (out[(t * P + i) * C + v] = 1)));
  return out;
}

function measures(
  samples: Float32Array,
  T: number,
  rows: number,
  cols: number,
  C: number,
  k: number,
  spacing: readonly [number, number],
) {
  const st = sampleStatistics(samples, { T, rows, cols, C });
  const bar = argmaxLabels(st.meanProbs, rows * cols, C);
  return withinSampleMeasures(st, bar, k, spacing);
}

describe('Dice_within and ASSD_within by hand', () => {
  // 3×3, C = 2, T = 2, structure class 1.
  // t0: class 1 only at (1,1). t1: class 1 at (1,1) (p = 1) and (1,2) with p = [0.2, 0.8].
  // p̄(1,2) = [0.6, 0.4] → S̄ = {(1,1)}.  S_0 = S̄: Dice 1, ASSD 0.
  // S_1 = {(1,1),(1,2)}: Dice = 2·1/3 = 2/3; ∂S_1 = both pixels; S_1→S̄ distances 0 and sy,
  // S̄→S_1: 0 → ASSD = sy/3.  Dice_within = (1 + 2/3)/2 = 5/6, ASSD_within = sy/6.
  const T = 2;
  const s = new Float32Array(T * 9 * 2);
  for (let t = 0; t < T; t++) for (let i = 0; i < 9; i++) s[(t * 9 + i) * 2] = 1;
  s[(0 * 9 + 4) * 2] = 0;
  s[(0 * 9 + 4) * 2 + 1] = 1;
  s[(1 * 9 + 4) * 2] = 0;
  s[(1 * 9 + 4) * 2 + 1] = 1;
  s[(1 * 9 + 5) * 2] = 0.2;
  s[(1 * 9 + 5) * 2 + 1] = 0.8;

  it('spacing [1,1]', () => {
    const m = measures(s, T, 3, 3, 2, 1, [1, 1]);
    expect(m.diceWithin).toBeCloseTo(5 / 6, 12);
    expect(m.assdWithinMm).toBeCloseTo(1 / 6, 12);
    expect(m.assdPairs).toBe(2);
  });

  it('spacing [2,3]: the extra pixel is one column (3 mm) away', () => {
    const m = measures(s, T, 3, 3, 2, 1, [2, 3]);
    expect(m.assdWithinMm).toBeCloseTo(0.5, 12);
  });

  it('ties go to the lowest class in S_t and S̄', () => {
    // one pixel, C = 2, both samples [0.5, 0.5] → S_t = S̄ = 0: class 1 empty everywhere
    const m = measures(Float32Array.from([0.5, 0.5, 0.5, 0.5]), 2, 1, 1, 2, 1, [1, 1]);
    expect(m).toEqual({ diceWithin: 1, assdWithinMm: 0, assdPairs: 2 });
  });
});

describe('empty cases', () => {
  it('structure absent from S̄ and every sample: Dice 1, ASSD 0 for every pair', () => {
    expect(
      measures(
        oneHot(
          [
            [0, 1, 0],
            [0, 0, 1],
          ],
          4,
        ),
        2,
        1,
        3,
        4,
        3,
        [1, 1],
      ),
    ).toEqual({
      diceWithin: 1,
      assdWithinMm: 0,
      assdPairs: 2,
    });
  });

  it('structure in S̄ but missing from one sample: that pair Dice 0 and left out of ASSD', () => {
    // T = 3, 1×3: t0 = t1 = [3,3,0], t2 = [0,0,0]; S̄ = [3,3,0] (2 of 3 votes)
    // Dice: 1, 1, 0 → 2/3; ASSD: 0, 0 (pairs kept 2) → 0
    const m = measures(
      oneHot(
        [
          [3, 3, 0],
          [3, 3, 0],
          [0, 0, 0],
        ],
        4,
      ),
      3,
      1,
      3,
      4,
      3,
      [1, 1],
    );
    expect(m.diceWithin).toBeCloseTo(2 / 3, 12);
    expect(m.assdWithinMm).toBe(0);
    expect(m.assdPairs).toBe(2);
  });

  it('structure in samples but not in S̄: ASSD_within null when no pair is defined', () => {
    // T = 3, 1×3: each sample puts class 2 on a different pixel, S̄ = background everywhere
    // (p̄ = [2/3, 0, 1/3, 0] per pixel) → all pairs have exactly one empty region.
    const m = measures(
      oneHot(
        [
          [2, 0, 0],
          [0, 2, 0],
          [0, 0, 2],
        ],
        4,
      ),
      3,
      1,
      3,
      4,
      2,
      [1, 1],
    );
    expect(m).toEqual({ diceWithin: 0, assdWithinMm: null, assdPairs: 0 });
  });
});

describe('against brute force on random samples', () => {
  it('matches the mean of pairwise Dice/ASSD between S̄ and each S_t', () => {
    const rng = seedrandom('within');
    for (let trial = 0; trial < 25; trial++) {
      const rows = 4 + Math.floor(rng() * 20);
      const cols = 4 + Math.floor(rng() * 20);
      const T = 1 + Math.floor(rng() * 6);
      const C = 4;
      const spacing = [0.5 + rng() * 2, 0.5 + rng() * 2] as const;
      const base = randomLabels(rng, rows, cols, 3, 0);
      const samples = randomSamples(rng, T, rows, cols, C, base);
      const P = rows * cols;
      // S̄ and S_t computed here independently
      const argmax = (get: (c: number) => number) => {
        let b = 0;
        for (let c = 1; c < C; c++) if (get(c) > get(b)) b = c;
        return b;
      };
      const bar = Uint8Array.from({ length: P }, (_, i) =>
        argmax((c) => {
          let m = 0;
          for (let t = 0; t < T; t++) m += samples[(t * P + i) * C + c];
          return m / T;
        }),
      );
      const st = Array.from({ length: T }, (_, t) =>
        Uint8Array.from({ length: P }, (_, i) => argmax((c) => samples[(t * P + i) * C + c])),
      );
      const ws = new WithinSampleWorkspace(rows, cols);
      const stats = sampleStatistics(samples, { T, rows, cols, C });
      const ourBar = argmaxLabels(stats.meanProbs, P, C);
      expect(Array.from(ourBar)).toEqual(Array.from(bar));
      for (const k of [1, 2, 3]) {
        let dice = 0;
        let assd = 0;
        let pairs = 0;
        for (let t = 0; t < T; t++) {
          const r = refMetrics(bar, k, st[t], k, rows, cols, spacing);
          dice += r.dice / T;
          if (r.assd !== null) {
            assd += r.assd;
            pairs++;
          }
        }
        const got = withinSampleMeasures(stats, ourBar, k, spacing, ws);
        expect(got.diceWithin).toBeCloseTo(dice, 12);
        expect(got.assdPairs).toBe(pairs);
        if (pairs === 0) expect(got.assdWithinMm).toBeNull();
        else expect(got.assdWithinMm).toBeCloseTo(assd / pairs, 9);
      }
    }
  });
});

describe('ring search for d(p, ∂B) (within-sample ASSD)', () => {
  it('sums the same distances as pairwise search, falls back (NaN) beyond its radius', () => {
    const rng = seedrandom('rings');
    for (const spacing of [
      [1, 1],
      [1.3, 0.7],
      [0.6, 2.5], // more than 2:1: the 4-neighbour shortcut must not apply
    ] as const) {
      for (let trial = 0; trial < 20; trial++) {
        const rows = 12 + Math.floor(rng() * 20);
        const cols = 12 + Math.floor(rng() * 20);
        const a = randomLabels(rng, rows, cols, 1, 0.01);
        const b = randomLabels(rng, rows, cols, 1, 0.01);
        const from = refBoundary(a, rows, cols, 1);
        const to = refBoundary(b, rows, cols, 1);
        if (from.length === 0 || to.length === 0) continue;
        const marks = new Uint8Array(rows * cols);
        for (const [x, y] of to) marks[x * cols + y] = 1;
        const fromIdx = Int32Array.from(from, ([x, y]) => x * cols + y);
        const expected = refDirected(from, to, spacing);
        const got = directedSumByRingSearch(fromIdx, fromIdx.length, marks, rows, cols, spacing, rows + cols);
        expect(got).toBeCloseTo(
          expected.reduce((s, d) => s + d, 0),
          9,
        );
        const farthest = Math.max(...expected);
        const limited = directedSumByRingSearch(fromIdx, fromIdx.length, marks, rows, cols, spacing, 2);
        if (farthest > 2 * Math.max(...spacing) * Math.SQRT2) expect(limited).toBeNaN();
      }
    }
  });
});
