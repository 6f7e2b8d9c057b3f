import seedrandom from 'seedrandom';
import { summarizeUncertainty } from '../../../src/engine/metrics/uncertainty-summary';
import { randomLabels, randomSamples, refEntropy, refMetrics } from './brute-force';

describe('uncertainty summary (one pass) against independent references', () => {
  it('matches entropy, MI, NLL, Brier, ECE and within-sample measures', () => {
    const rng = seedrandom('summary');
    const T = 5;
    const rows = 14;
    const cols = 11;
    const C = 4;
    const P = rows * cols;
    const spacing = [1.3, 0.7] as const;
    const gt = randomLabels(rng, rows, cols, 3, 0);
    const samples = randomSamples(rng, T, rows, cols, C, gt);
    const s = summarizeUncertainty(samples, { T, rows, cols, C }, { spacingMm: spacing, gt, keepMaps: true, bins: 10 });

    let ent = 0;
    let mi = 0;
    let nll = 0;
    let brier = 0;
    const bar = new Uint8Array(P);
    const binCount = new Array(10).fill(0);
    const binConf = new Array(10).fill(0);
    const binCorrect = new Array(10).fill(0);
    for (let i = 0; i < P; i++) {
      const mean = [0, 0, 0, 0];
      let hs = 0;
      for (let t = 0; t < T; t++) {
        const p = samples.subarray((t * P + i) * C, (t * P + i + 1) * C);
        for (let c = 0; c < C; c++) mean[c] += p[c] / T;
        hs += refEntropy(p) / T;
      }
      ent += refEntropy(mean) / P;
      mi += (refEntropy(mean) - hs) / P;
      nll += -Math.log(mean[gt[i]]) / P;
      brier += mean.reduce((a, p, c) => a + (p - (c === gt[i] ? 1 : 0)) ** 2, 0) / P;
      const conf = Math.max(...mean);
      bar[i] = mean.indexOf(conf);
      const b = Math.min(9, Math.floor(conf * 10));
      binCount[b]++;
      binConf[b] += conf;
      binCorrect[b] += bar[i] === gt[i] ? 1 : 0;
    }
    const ece = binCount.reduce((a, _n, b) => a + Math.abs(binCorrect[b] - binConf[b]), 0) / P;
    expect(s.entropy).toBeCloseTo(ent, 10);
    // C = 4: the per-sample x·ln x is float32 in the SIMD pass (sample-pass-simd.ts); image mean within 1e-9
    expect(Math.abs(s.mi - mi)).toBeLessThan(1e-9);
    expect(s.calibration!.nll).toBeCloseTo(nll, 10);
    expect(s.calibration!.brier).toBeCloseTo(brier, 10);
    expect(s.calibration!.ece).toBeCloseTo(ece, 10);
    expect(s.calibration!.histogram.count).toEqual(binCount);
    expect(Array.from(s.meanLabels)).toEqual(Array.from(bar));
    expect(s.entropyMap!.length).toBe(P);
    expect(s.miMap!.length).toBe(P);

    let checked = 0;
    for (const [name, k] of [
      ['RV', 1],
      ['MYO', 2],
      ['LV', 3],
    ] as const) {
      let dice = 0;
      let assd = 0;
      let pairs = 0;
      for (let t = 0; t < T; t++) {
        const st = Uint8Array.from({ length: P }, (_, i) => {
          const p = samples.subarray((t * P + i) * C, (t * P + i + 1) * C);
          return p.indexOf(Math.max(...p));
        });
        const r = refMetrics(bar, k, st, k, rows, cols, spacing);
        dice += r.dice / T;
        if (r.assd !== null) {
          assd += r.assd;
          pairs++;
        }
      }
      expect(s.structures[name].diceWithin).toBeCloseTo(dice, 12);
      expect(s.structures[name].assdPairs).toBe(pairs);
      if (pairs === 0) expect(s.structures[name].assdWithinMm).toBeNull();
      else expect(s.structures[name].assdWithinMm).toBeCloseTo(assd / pairs, 9);
      checked += pairs > 0 ? 1 : 0;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('has no calibration without a ground truth and follows a custom label map', () => {
    // 1×2 image, T = 1, C = 4, one-hot: pixel 0 class 1, pixel 1 class 3.
    // Labels LV=1, MYO=2, RV=3: LV region = {pixel 0} in S̄ and S_0 → Dice 1; MYO absent → 1, ASSD 0.
    const samples = Float32Array.from([0, 1, 0, 0, 0, 0, 0, 1]);
    const s = summarizeUncertainty(
      samples,
      { T: 1, rows: 1, cols: 2, C: 4 },
      { spacingMm: [1, 1], labels: { LV: 1, MYO: 2, RV: 3 } },
    );
    expect(s.calibration).toBeNull();
    expect(s.entropy).toBe(0);
    expect(s.mi).toBe(0);
    expect(s.structures.LV).toEqual({ diceWithin: 1, assdWithinMm: 0, assdPairs: 1 });
    expect(s.structures.MYO).toEqual({ diceWithin: 1, assdWithinMm: 0, assdPairs: 1 });
  });
});
