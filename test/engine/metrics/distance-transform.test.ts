import seedrandom from 'seedrandom';
import { squaredDistanceToPixels, squaredDistanceTransform } from '../../../src/engine/metrics/distance-transform';

/** Brute force: min over feature pixels of ((x−x')sx)² + ((y−y')sy)². */
function bruteSquared(mask: Uint8Array, rows: number, cols: number, s: readonly [number, number]): Float64Array {
  const feats: Array<[number, number]> = [];
  for (let x = 0; x < rows; x++) for (let y = 0; y < cols; y++) if (mask[x * cols + y]) feats.push([x, y]);
  const out = new Float64Array(rows * cols);
  for (let x = 0; x < rows; x++)
    for (let y = 0; y < cols; y++) {
      let best = Infinity;
      for (const [u, w] of feats) best = Math.min(best, ((x - u) * s[0]) ** 2 + ((y - w) * s[1]) ** 2);
      out[x * cols + y] = best;
    }
  return out;
}

describe('squared Euclidean distance transform (Felzenszwalb–Huttenlocher)', () => {
  it('gives hand-computed values for one feature pixel with anisotropic spacing', () => {
    // 3×4 image, feature at (x=1, y=2), spacing sx=2, sy=3: D(x,y) = (2(x−1))² + (3(y−2))²
    const mask = new Uint8Array(12);
    mask[1 * 4 + 2] = 1;
    const d = squaredDistanceTransform(mask, 3, 4, [2, 3]);
    expect(Array.from(d)).toEqual([4 + 36, 4 + 9, 4, 4 + 9, 36, 9, 0, 9, 4 + 36, 4 + 9, 4, 4 + 9]);
  });

  it('is Infinity everywhere without features', () => {
    const d = squaredDistanceTransform(new Uint8Array(6), 2, 3, [1, 1]);
    expect(Array.from(d)).toEqual(new Array(6).fill(Infinity));
  });

  it('matches brute force on random feature sets, shapes and spacings', () => {
    const rng = seedrandom('edt');
    for (let trial = 0; trial < 60; trial++) {
      const rows = 1 + Math.floor(rng() * 25);
      const cols = 1 + Math.floor(rng() * 25);
      const s = [0.3 + rng() * 3, 0.3 + rng() * 3] as const;
      const density = rng() * 0.2;
      const mask = new Uint8Array(rows * cols).map(() => (rng() < density ? 1 : 0));
      const d = squaredDistanceTransform(mask, rows, cols, s);
      const ref = bruteSquared(mask, rows, cols, s);
      for (let i = 0; i < rows * cols; i++) {
        if (ref[i] === Infinity) expect(d[i]).toBe(Infinity);
        else expect(d[i]).toBeCloseTo(ref[i], 9);
      }
    }
  });

  it('is exact inside a box that contains all features, and leaves the rest untouched', () => {
    const rng = seedrandom('edt-box');
    const rows = 20;
    const cols = 17;
    const s = [1.25, 0.8] as const;
    const mask = new Uint8Array(rows * cols);
    const feats: number[] = [];
    for (let x = 5; x <= 12; x++)
      for (let y = 3; y <= 9; y++)
        if (rng() < 0.15) {
          mask[x * cols + y] = 1;
          feats.push(x * cols + y);
        }
    const box = { r0: 2, r1: 14, c0: 1, c1: 11 };
    const out = new Float64Array(rows * cols).fill(-7);
    squaredDistanceToPixels(Int32Array.from(feats), feats.length, rows, cols, s, box, out);
    const ref = bruteSquared(mask, rows, cols, s);
    for (let x = 0; x < rows; x++)
      for (let y = 0; y < cols; y++) {
        const i = x * cols + y;
        const inside = x >= box.r0 && x <= box.r1 && y >= box.c0 && y <= box.c1;
        if (inside) expect(out[i]).toBeCloseTo(ref[i], 9);
        else expect(out[i]).toBe(-7);
      }
  });
});
