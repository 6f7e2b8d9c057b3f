/**
 * Probabilities on the input grid back on the slice's grid (models/input-grid.ts), against the
 * definition written out here: at full resolution pixel (r, c) of the slice is input pixel
 * (r − r0, c − c0) inside the centred crop window, r0 = ⌊(rows − crop)/2⌋, and background
 * (1, 0, 0, 0) outside it; at half resolution the bilinear interpolation with half-pixel centres.
 */
import { probabilitiesToSlice } from '../../../src/engine/models/input-grid';

const C = 4;
/** Distinct values per (t, y, x, k), so a misplaced copy shows. */
const inputProbs = (T: number, s: number) =>
  Float32Array.from({ length: T * s * s * C }, (_, i) => (i % 997) / 997 + 0.001);

describe('probabilitiesToSlice', () => {
  test.each([
    { rows: 6, cols: 3, note: 'slice narrower than the crop (c0 < 0)' },
    { rows: 3, cols: 7, note: 'slice shorter than the crop (r0 < 0)' },
    { rows: 8, cols: 9, note: 'crop inside the slice' },
  ])('full resolution: the crop window copied, background around it ($note)', ({ rows, cols }) => {
    const crop = 4;
    const T = 2;
    const probs = inputProbs(T, crop);
    const out = probabilitiesToSlice(probs, T, rows, cols, { cropSize: crop, downsample: 1 });
    const r0 = Math.floor((rows - crop) / 2);
    const c0 = Math.floor((cols - crop) / 2);
    for (let t = 0; t < T; t++)
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          for (let k = 0; k < C; k++) {
            const [y, x] = [r - r0, c - c0];
            const inside = y >= 0 && y < crop && x >= 0 && x < crop;
            const expected = inside ? probs[((t * crop + y) * crop + x) * C + k] : k === 0 ? 1 : 0;
            expect(out[((t * rows + r) * cols + c) * C + k]).toBe(expected);
          }
  });

  test('half resolution: bilinear with half-pixel centres, clamped at the window edge', () => {
    // Input grid 2×2 (crop 4, downsample 2), one sample; class 1 holds the value, class 0 the rest.
    const v = [0.1, 0.3, 0.5, 0.9]; // (0,0) (0,1) (1,0) (1,1)
    const probs = new Float32Array(2 * 2 * C);
    v.forEach((p, i) => {
      probs[i * C] = 1 - p;
      probs[i * C + 1] = p;
    });
    const out = probabilitiesToSlice(probs, 1, 4, 4, { cropSize: 4, downsample: 2 });
    // Slice pixel y maps to input coordinate (y + 0.5)/2 − 0.5 ∈ {−0.25→0, 0.25, 0.75, 1.25→1}.
    const coord = [0, 0.25, 0.75, 1];
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) {
        const [wy, wx] = [coord[r], coord[c]];
        const expected = (1 - wy) * ((1 - wx) * v[0] + wx * v[1]) + wy * ((1 - wx) * v[2] + wx * v[3]);
        expect(out[(r * 4 + c) * C + 1]).toBeCloseTo(expected, 6);
      }
  });
});
