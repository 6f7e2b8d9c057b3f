import { augmentSlice, IDENTITY_AFFINE, sampleAffine, warpImage, warpLabel } from '../../../src/engine/data/augment';
import { generatePhantomSubject } from '../../../src/engine/data/phantom';
import { createRng } from '../../../src/engine/random';

describe('augmentation', () => {
  const base = generatePhantomSubject('A', 0, 5).slices[3];

  it('identity transform leaves image and label unchanged', () => {
    expect(Array.from(warpImage(base.image, base.rows, base.cols, IDENTITY_AFFINE))).toEqual(Array.from(base.image));
    expect(Array.from(warpLabel(base.label, base.rows, base.cols, IDENTITY_AFFINE))).toEqual(Array.from(base.label));
  });
  it('a 90° rotation of a square image is an index permutation', () => {
    const n = 7;
    const img = Float32Array.from({ length: n * n }, (_, k) => k);
    const lab = Uint8Array.from({ length: n * n }, (_, k) => k % 4);
    const a = { rotationRad: Math.PI / 2, scale: 1, shiftRows: 0, shiftCols: 0 };
    const wi = warpImage(img, n, n, a);
    const wl = warpLabel(lab, n, n, a);
    // out(i, j) = in(j, n − 1 − i)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        expect(wi[i * n + j]).toBeCloseTo(img[j * n + (n - 1 - i)], 4);
        expect(wl[i * n + j]).toBe(lab[j * n + (n - 1 - i)]);
      }
  });
  it('scaling by 2 doubles the label area (nearest), translation shifts it', () => {
    const n = 40;
    const lab = new Uint8Array(n * n);
    for (let i = 15; i < 25; i++) for (let j = 15; j < 25; j++) lab[i * n + j] = 3;
    const big = warpLabel(lab, n, n, { rotationRad: 0, scale: 2, shiftRows: 0, shiftCols: 0 });
    expect(big.filter((v) => v === 3).length).toBe(400);
    const moved = warpLabel(lab, n, n, { rotationRad: 0, scale: 1, shiftRows: 5, shiftCols: -3 });
    expect(moved[(15 + 5) * n + 15 - 3]).toBe(3);
    expect(moved[(14 + 5) * n + 15 - 3]).toBe(0);
  });
  it('keeps the label set, is seeded, and samples parameters in range', () => {
    const a1 = augmentSlice(base, createRng(1, 'aug'));
    const a2 = augmentSlice(base, createRng(1, 'aug'));
    const a3 = augmentSlice(base, createRng(2, 'aug'));
    expect(Array.from(a1.image)).toEqual(Array.from(a2.image));
    expect(Array.from(a1.image)).not.toEqual(Array.from(a3.image));
    const allowed = new Set(base.label);
    expect([...new Set(a1.label)].every((v) => allowed.has(v))).toBe(true);
    const r = createRng(9);
    for (let k = 0; k < 200; k++) {
      const p = sampleAffine(r);
      expect(Math.abs(p.rotationRad)).toBeLessThanOrEqual(Math.PI / 3);
      expect(p.scale).toBeGreaterThanOrEqual(0.7);
      expect(p.scale).toBeLessThanOrEqual(1.3);
      expect(Math.abs(p.shiftRows)).toBeLessThanOrEqual(48);
    }
    const small = sampleAffine(r, { maxRotationDeg: 0, maxTranslationPx: 2, scaleRange: [1, 1] });
    expect(small.rotationRad).toBe(0);
    expect(Math.abs(small.shiftCols)).toBeLessThanOrEqual(2);
  });
});
