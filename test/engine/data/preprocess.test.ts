import { CROP_SIZE, centreCrop, computeIntensityStats, cropArray, cropInfo, normalise, uncrop } from '../../../src/engine/data/preprocess';
import type { Slice2D } from '../../../src/engine/data/types';

function slice(rows: number, cols: number): Slice2D {
  return {
    rows, cols, spacingMm: [1.8, 1.8],
    image: Float32Array.from({ length: rows * cols }, (_, k) => k),
    label: Uint8Array.from({ length: rows * cols }, (_, k) => k % 4),
  };
}

describe('centre crop / pad and uncrop', () => {
  it('crops a 200×180 slice to the central 160×160 (offsets 20, 10)', () => {
    const s = slice(200, 180);
    const { slice: c, crop } = centreCrop(s);
    expect([c.rows, c.cols, crop.rowOffset, crop.colOffset]).toEqual([160, 160, 20, 10]);
    // crop (r, c) = input (r + 20, c + 10) = (r + 20) * 180 + c + 10
    for (const [r, cc] of [[0, 0], [159, 159], [37, 101]]) {
      expect(c.image[r * 160 + cc]).toBe((r + 20) * 180 + cc + 10);
      expect(c.label[r * 160 + cc]).toBe(((r + 20) * 180 + cc + 10) % 4);
    }
  });
  it('pads a 121×150 slice with zeros, centred (offsets −20, −5)', () => {
    const s = slice(121, 150);
    const { slice: c, crop } = centreCrop(s, CROP_SIZE, -1);
    expect([crop.rowOffset, crop.colOffset]).toEqual([-20, -5]);
    expect(c.image[0]).toBe(-1);
    expect(c.label[0]).toBe(0);
    expect(c.image[20 * 160 + 5]).toBe(0);
    expect(c.image[(20 + 120) * 160 + 5 + 149]).toBe(120 * 150 + 149);
    expect(c.image[141 * 160 + 80]).toBe(-1);
  });
  it('uncrop returns predictions on the input grid: exact inside the crop, fill outside', () => {
    for (const [rows, cols] of [[200, 180], [121, 150], [160, 160], [255, 97]]) {
      const s = slice(rows, cols);
      const { slice: c, crop } = centreCrop(s);
      const back = uncrop(c.label, crop);
      expect(back.length).toBe(rows * cols);
      for (let r = 0; r < rows; r++) for (let cc = 0; cc < cols; cc++) {
        const inside = r - crop.rowOffset >= 0 && r - crop.rowOffset < 160 && cc - crop.colOffset >= 0 && cc - crop.colOffset < 160;
        expect(back[r * cols + cc]).toBe(inside ? s.label[r * cols + cc] : 0);
      }
    }
  });
  it('handles channel-last probability maps with a per-channel fill', () => {
    const info = cropInfo(3, 2, 2); // offsets (0, 0): rows 0..1, cols 0..1
    const probs = Float32Array.from({ length: 2 * 2 * 4 }, (_, k) => k / 16);
    const back = uncrop(probs, info, 4, [1, 0, 0, 0]);
    expect(Array.from(back.subarray(0, 8))).toEqual(Array.from(probs.subarray(0, 8)));
    expect(Array.from(back.subarray(16, 24))).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(cropArray(back, info, 4))).toEqual(Array.from(probs));
    expect(() => uncrop(new Float32Array(3), info)).toThrow(/not 2×2×1/);
  });
});

describe('intensity normalisation', () => {
  it('computes the training mean/std and normalises to mean 0, std 1', () => {
    const a = { image: Float32Array.of(1, 2, 3) };
    const b = { image: Float32Array.of(4, 5, 6, 7) };
    const st = computeIntensityStats([a, b]);
    expect(st.mean).toBeCloseTo(4, 12);
    expect(st.std).toBeCloseTo(2, 12); // Σ(x−4)² = 9+4+1+0+1+4+9 = 28, /7 = 4
    expect(st.count).toBe(7);
    const n = normalise(Float32Array.of(4, 6, 0), st);
    expect(Array.from(n)).toEqual([0, 1, -2]);
    expect(Array.from(normalise(Float32Array.of(3), { mean: 1, std: 0 }))).toEqual([2]);
    expect(() => computeIntensityStats([])).toThrow(/no pixels/);
  });
});
