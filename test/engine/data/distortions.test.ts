import { applyDistortion, DISTORTION_LEVELS, gaussianBlur } from '../../../src/engine/data/distortions';
import { InvalidInputError } from '../../../src/engine/errors';
import type { Slice2D } from '../../../src/engine/data/types';
import { createRng } from '../../../src/engine/random';

const rows = 120;
const cols = 100;
/** Left half 0, right half 1 (min 0, max 1, so [0,1] scaling is the identity); a labelled disc. */
function testSlice(): Slice2D {
  const image = new Float32Array(rows * cols);
  const label = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      image[i * cols + j] = j >= cols / 2 ? 1 : 0;
      const d = Math.hypot(i - 60, j - 50);
      label[i * cols + j] = d < 10 ? 3 : d < 15 ? 2 : d < 22 && j < 50 ? 1 : 0;
    }
  return { rows, cols, spacingMm: [1.5, 1.5], image, label };
}
const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) };
};

describe('distortions', () => {
  const s = testSlice();

  it('exports four increasing levels per kind', () => {
    expect(DISTORTION_LEVELS.NOISE).toEqual([0.05, 0.07, 0.08, 0.1]);
    expect(DISTORTION_LEVELS.BLUR).toEqual([1, 2, 3, 4]);
    for (const k of ['NOISE', 'BLUR', 'STRETCH'] as const) {
      const v = DISTORTION_LEVELS[k];
      expect(v.length).toBe(4);
      for (let i = 1; i < 4; i++) expect(v[i]).toBeGreaterThan(v[i - 1]);
    }
  });

  it('level 0 and NONE are the identity', () => {
    for (const kind of ['NONE', 'NOISE', 'BLUR', 'STRETCH'] as const) {
      const d = applyDistortion(s, { kind, level: 0 }, 1);
      expect(Array.from(d.image)).toEqual(Array.from(s.image));
      expect(Array.from(d.label)).toEqual(Array.from(s.label));
    }
    expect(Array.from(applyDistortion(s, { kind: 'NONE', level: 3 }, 1).image)).toEqual(Array.from(s.image));
  });

  it('Rician noise: std ≈ σ on bright tissue, Rayleigh mean σ√(π/2) on zero signal', () => {
    DISTORTION_LEVELS.NOISE.forEach((sigma, i) => {
      const d = applyDistortion(s, { kind: 'NOISE', level: i + 1 }, 4);
      const bright: number[] = [];
      const dark: number[] = [];
      for (let k = 0; k < d.image.length; k++) (s.image[k] === 1 ? bright : dark).push(d.image[k]);
      // Rician with A = 1: var ≈ σ²(1 − σ²/2) — within 3 % of σ; 6000 samples give ≈ 1 % sampling error
      expect(Math.abs(stats(bright).std / sigma - 1)).toBeLessThan(0.04);
      expect(Math.abs(stats(bright).mean - 1)).toBeLessThan(0.01);
      expect(Math.abs(stats(dark).mean / (sigma * Math.sqrt(Math.PI / 2)) - 1)).toBeLessThan(0.03);
      expect(Array.from(d.label)).toEqual(Array.from(s.label));
    });
  });

  it('noise is seeded: same seed same bytes, other seed differs', () => {
    const a = applyDistortion(s, { kind: 'NOISE', level: 2 }, 'x').image;
    expect(Array.from(applyDistortion(s, { kind: 'NOISE', level: 2 }, 'x').image)).toEqual(Array.from(a));
    expect(Array.from(applyDistortion(s, { kind: 'NOISE', level: 2 }, 'y').image)).not.toEqual(Array.from(a));
  });

  it('blur preserves the mean, reduces variance monotonically, matches a direct 2-D convolution', () => {
    const r = createRng(3);
    const img = Float32Array.from({ length: rows * cols }, () => r.uniform());
    const noisy: Slice2D = { ...s, image: img };
    const m0 = stats(Array.from(img));
    let prev = m0.std;
    for (let level = 1; level <= 4; level++) {
      const out = applyDistortion(noisy, { kind: 'BLUR', level }, 0).image;
      const st = stats(Array.from(out));
      expect(Math.abs(st.mean - m0.mean)).toBeLessThan(0.01);
      expect(st.std).toBeLessThan(prev);
      prev = st.std;
    }
    // direct 2-D Gaussian sum at an interior pixel (σ = 2, radius 6), independent of the separable code
    const out = gaussianBlur(img, rows, cols, 2);
    let acc = 0;
    let wsum = 0;
    for (let di = -6; di <= 6; di++)
      for (let dj = -6; dj <= 6; dj++) {
        const w = Math.exp(-(di * di + dj * dj) / 8);
        acc += w * img[(60 + di) * cols + 50 + dj];
        wsum += w;
      }
    expect(out[60 * cols + 50]).toBeCloseTo(acc / wsum, 5);
    // a constant image is unchanged, edges included
    const flat = gaussianBlur(new Float32Array(rows * cols).fill(0.3), rows, cols, 4);
    expect(Math.max(...Array.from(flat, (v) => Math.abs(v - 0.3)))).toBeLessThan(1e-6);
  });

  it('stretch deforms image and label together, keeps the label set, grows with level, is seeded', () => {
    const labels = new Set(s.label);
    let prevChanged = 0;
    for (let level = 1; level <= 4; level++) {
      const d = applyDistortion(s, { kind: 'STRETCH', level }, 7);
      expect([...new Set(d.label)].every((v) => labels.has(v))).toBe(true);
      let changed = 0;
      for (let k = 0; k < d.label.length; k++) if (d.label[k] !== s.label[k]) changed++;
      expect(changed).toBeGreaterThan(prevChanged);
      prevChanged = changed;
      // far from the heart (ρ = 40 mm) nothing moves
      expect(d.image[0]).toBeCloseTo(s.image[0], 5);
      expect(d.label[0]).toBe(s.label[0]);
      const again = applyDistortion(s, { kind: 'STRETCH', level }, 7);
      expect(Array.from(again.label)).toEqual(Array.from(d.label));
    }
  });

  it('rejects unknown kinds and levels', () => {
    expect(() => applyDistortion(s, { kind: 'NOISE', level: 5 }, 1)).toThrow(InvalidInputError);
    expect(() => applyDistortion(s, { kind: 'NOISE', level: 1.5 }, 1)).toThrow(/level/);
    expect(() => applyDistortion(s, { kind: 'WARP' as never, level: 1 }, 1)).toThrow(/kind/);
  });
});
