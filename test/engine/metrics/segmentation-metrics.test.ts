import seedrandom from 'seedrandom';
import { ACDC_LABELS } from '../../../src/engine/data/types';
import {
  SegmentationMetricsWorkspace,
  percentileLinear,
  sliceMetrics,
  structureMetrics,
} from '../../../src/engine/metrics/segmentation-metrics';
import { randomLabels, refMetrics } from './brute-force';

const grid = (rows: string[]) => Uint8Array.from(rows.join('').split('').map(Number));

describe('Dice, ASSD, HD, HD95 — hand-computed cases', () => {
  it.each([
    {
      // A = {(2,2)}, B = {(2,3)}: no overlap → Dice 0; each boundary is its pixel, distance 1·sy.
      name: 'two neighbouring single pixels, spacing [1,1]',
      pred: ['00000', '00000', '00100', '00000'],
      gt: ['00000', '00000', '00010', '00000'],
      spacing: [1, 1] as const,
      want: { dice: 0, assdMm: 1, hdMm: 1, hd95Mm: 1 },
    },
    {
      // same pixels, neighbours along y (cols) → distance sy = 3 mm
      name: 'two neighbouring single pixels, spacing [2,3]',
      pred: ['00000', '00000', '00100', '00000'],
      gt: ['00000', '00000', '00010', '00000'],
      spacing: [2, 3] as const,
      want: { dice: 0, assdMm: 3, hdMm: 3, hd95Mm: 3 },
    },
    {
      // diagonal: √((1·2)² + (1·3)²) = √13
      name: 'diagonal single pixels, spacing [2,3]',
      pred: ['10', '00'],
      gt: ['00', '01'],
      spacing: [2, 3] as const,
      want: { dice: 0, assdMm: Math.sqrt(13), hdMm: Math.sqrt(13), hd95Mm: Math.sqrt(13) },
    },
    {
      // A = 3×3 square rows 1–3 cols 1–3; B = the same shifted one column right (cols 2–4).
      // |A∩B| = 6 → Dice = 12/18 = 2/3. ∂A, ∂B = rings of 8. A→B: (1,1),(2,1),(2,3),(3,1) at 1,
      // the other 4 on ∂B at 0 → Σ 4; B→A symmetric Σ 4. ASSD = 8/16 = 0.5, HD = 1.
      // HD95: pooled 8 zeros and 8 ones, h = 0.95·15 = 14.25 → v[14] = v[15] = 1.
      name: 'square shifted by one column',
      pred: ['00000', '01110', '01110', '01110', '00000'],
      gt: ['00000', '00111', '00111', '00111', '00000'],
      spacing: [1, 1] as const,
      want: { dice: 2 / 3, assdMm: 0.5, hdMm: 1, hd95Mm: 1 },
    },
    {
      // 1×10 image: A = {y=0}, B = {y=0..3}; every pixel of a 1-row image is boundary.
      // Dice = 2·1/(1+4) = 0.4. A→B: [0]; B→A: [0, .5, 1, 1.5] (sy = 0.5).
      // ASSD = 3/5 = 0.6; HD = 1.5; HD95: pooled sorted [0,0,.5,1,1.5], h = 0.95·4 = 3.8
      // → 1 + 0.8·(1.5 − 1) = 1.4.
      name: 'segment vs end pixel in a 1-row image, spacing [5, 0.5]',
      pred: ['1000000000'],
      gt: ['1111000000'],
      spacing: [5, 0.5] as const,
      want: { dice: 0.4, assdMm: 0.6, hdMm: 1.5, hd95Mm: 1.4 },
    },
    {
      name: 'identical regions',
      pred: ['0110', '0110'],
      gt: ['0110', '0110'],
      spacing: [1.7, 0.9] as const,
      want: { dice: 1, assdMm: 0, hdMm: 0, hd95Mm: 0 },
    },
  ])('$name', ({ pred, gt, spacing, want }) => {
    const m = structureMetrics(grid(pred), grid(gt), pred.length, pred[0].length, spacing, 1);
    expect(m.status).toBe('OK');
    expect(m.dice).toBeCloseTo(want.dice, 12);
    expect(m.assdMm).toBeCloseTo(want.assdMm, 12);
    expect(m.hdMm).toBeCloseTo(want.hdMm, 12);
    expect(m.hd95Mm).toBeCloseTo(want.hd95Mm, 12);
  });

  it.each([
    {
      name: 'both empty',
      pred: ['000'],
      gt: ['000'],
      want: { status: 'BOTH_EMPTY', dice: 1, assdMm: 0, hdMm: 0, hd95Mm: 0 },
    },
    {
      name: 'prediction empty',
      pred: ['000'],
      gt: ['010'],
      want: { status: 'PRED_EMPTY', dice: 0, assdMm: null, hdMm: null, hd95Mm: null },
    },
    {
      name: 'ground truth empty',
      pred: ['110'],
      gt: ['000'],
      want: { status: 'GT_EMPTY', dice: 0, assdMm: null, hdMm: null, hd95Mm: null },
    },
  ])('empty rule: $name', ({ pred, gt, want }) => {
    expect(structureMetrics(grid(pred), grid(gt), 1, 3, [1, 1], 1)).toEqual(want);
  });

  it('percentile by linear interpolation between closest ranks', () => {
    // [0,1,2,3,4]: h = 0.95·4 = 3.8 → 3 + 0.8 = 3.8; q = 0.5 → 2; one value → itself
    expect(percentileLinear(Float64Array.from([4, 0, 3, 1, 2]), 5, 0.95)).toBeCloseTo(3.8, 12);
    expect(percentileLinear(Float64Array.from([4, 0, 3, 1, 2]), 5, 0.5)).toBe(2);
    expect(percentileLinear(Float64Array.from([7]), 1, 0.95)).toBe(7);
  });
});

describe('against brute-force pairwise distances', () => {
  it('matches on random shapes and anisotropic spacing for every structure', () => {
    const rng = seedrandom('seg-metrics');
    let compared = 0;
    for (let trial = 0; trial < 60; trial++) {
      const rows = 3 + Math.floor(rng() * 30);
      const cols = 3 + Math.floor(rng() * 30);
      const spacing = [0.4 + rng() * 2.5, 0.4 + rng() * 2.5] as const;
      const gt = randomLabels(rng, rows, cols, 3);
      const pred =
        rng() < 0.2 ? randomLabels(rng, rows, cols, 3) : gt.map((v) => (rng() < 0.08 ? Math.floor(rng() * 4) : v));
      const ws = new SegmentationMetricsWorkspace(rows, cols);
      const got = sliceMetrics(pred, gt, rows, cols, spacing, ACDC_LABELS, ws);
      for (const s of ['LV', 'MYO', 'RV'] as const) {
        const v = ACDC_LABELS[s];
        const ref = refMetrics(pred, v, gt, v, rows, cols, spacing);
        expect(got[s].dice).toBeCloseTo(ref.dice, 12);
        for (const [k, r] of [
          ['assdMm', ref.assd],
          ['hdMm', ref.hd],
          ['hd95Mm', ref.hd95],
        ] as const) {
          if (r === null) expect(got[s][k]).toBeNull();
          else expect(got[s][k]).toBeCloseTo(r, 9);
        }
        compared++;
      }
    }
    expect(compared).toBe(180);
  });

  it('uses different label values for prediction and ground truth when asked', () => {
    const pred = grid(['0220', '0220']);
    const gt = grid(['0550', '0055']);
    const m = structureMetrics(pred, gt, 2, 4, [1, 1], 2, 5);
    const ref = refMetrics(pred, 2, gt, 5, 2, 4, [1, 1]);
    expect(m.dice).toBeCloseTo(ref.dice, 12);
    expect(m.assdMm).toBeCloseTo(ref.assd!, 12);
  });
});
