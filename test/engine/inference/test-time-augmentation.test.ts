/**
 * Test-time augmentation (docs/design.md "Test-time augmentation"): flips and quarter turns are
 * permutations, so transform + inverse is the identity on any array and a pixelwise "model"
 * (thresholding the image into class maps) gives every TTA sample equal to its untransformed
 * output; the affine inverse is checked against fields whose bilinear resampling is exact (linear
 * in the coordinates) and within a stated tolerance on smooth ones.
 */
import seedrandom from 'seedrandom';
import { createRng } from '../../../src/engine/random';
import {
  drawTransform,
  flipArray,
  invertProbabilities,
  rotateArray,
  testTimeAugmentation,
  transformImage,
  warpArray,
  type DrawPredictor,
  type TtaTransform,
} from '../../../src/engine/inference/test-time-augmentation';

const C = 4;

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);

function randomArray(n: number, seed: string): Float32Array {
  const r = seedrandom(seed);
  return Float32Array.from({ length: n }, () => r());
}

/** One-hot class maps of the image: class = number of thresholds .25, .5, .75 below the value. */
const threshold = (image: Float32Array) => {
  const out = new Float32Array(image.length * C);
  image.forEach((v, k) => (out[k * C + Math.min(3, Math.floor(Math.max(0, v) * 4))] = 1));
  return out;
};
const pixelwise: DrawPredictor = (images) => images.map((im) => threshold(im.image));

describe('permutations', () => {
  it('rotateArray turns counter-clockwise (hand-worked 2×3)', () => {
    // [[1 2 3], [4 5 6]] turned once → [[3 6], [2 5], [1 4]]
    const src = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(rotateArray(src, 2, 3, 1, 1))).toEqual([3, 6, 2, 5, 1, 4]);
    expect(Array.from(rotateArray(src, 2, 3, 1, 2))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(Array.from(flipArray(src, 2, 3, 1, 'rows'))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(flipArray(src, 2, 3, 1, 'cols'))).toEqual([3, 2, 1, 6, 5, 4]);
  });

  it.each([
    [7, 7],
    [6, 9],
  ])('flip × quarter turns then the inverse is exact on random %i×%i×C arrays', (rows, cols) => {
    const p = randomArray(rows * cols * C, `rt${rows}`);
    const turns = rows === cols ? [0, 1, 2, 3] : [0, 2];
    for (const flip of ['none', 'rows', 'cols'] as const)
      for (const k of turns) {
        const tr: TtaTransform = { flip, quarterTurns: k as 0 | 1 | 2 | 3, affine: null, gamma: 1, noise: 0 };
        const forward = rotateArray(flipArray(p, rows, cols, C, flip), rows, cols, C, k);
        expect(invertProbabilities(forward, rows, cols, C, tr)).toEqual(p);
      }
  });

  it('a pixelwise model: every flip/rotation TTA sample equals the untransformed output', () => {
    const [rows, cols] = [12, 12];
    const slice = { image: randomArray(rows * cols, 'img'), rows, cols };
    const family = { flips: true, rotations: true, affine: false, intensity: false };
    const s = testTimeAugmentation(pixelwise, slice, 16, { seed: 5, family, classes: C });
    expect(s.shape).toEqual([16, rows, cols, C]);
    const plain = threshold(slice.image);
    const per = rows * cols * C;
    for (let t = 0; t < 16; t++) expect(s.data.subarray(t * per, (t + 1) * per)).toEqual(plain);
    // The draws are not all the identity: the test would pass trivially otherwise.
    const kinds = new Set(
      Array.from({ length: 16 }, (_, t) => JSON.stringify(drawTransform(5, t, rows, cols, family))),
    );
    expect(kinds.size).toBeGreaterThan(4);
  });

  it('non-square slices draw only flips and half turns; a quarter turn of one is refused', () => {
    for (let t = 1; t < 40; t++) expect([0, 2]).toContain(drawTransform(3, t, 6, 9).quarterTurns);
    const tr: TtaTransform = { flip: 'none', quarterTurns: 1, affine: null, gamma: 1, noise: 0 };
    expect(() => transformImage(new Float32Array(54), 6, 9, tr, null)).toThrow(/changes its shape/);
  });

  it('the transform of sample t depends only on (seed, t); sample 0 is the identity', () => {
    expect(drawTransform(9, 3, 16, 16)).toEqual(drawTransform(9, 3, 16, 16));
    expect(drawTransform(9, 0, 16, 16)).toEqual({ flip: 'none', quarterTurns: 0, affine: null, gamma: 1, noise: 0 });
  });
});

describe('affine', () => {
  const [rows, cols] = [33, 33];
  const affine = { angle: (8 * Math.PI) / 180, scale: 1.08 };
  // Pixels whose forward and inverse source points stay inside the grid (≤ 10° and 10 % zoom move a
  // point at radius r by < 0.28·r; radius ≤ 11 keeps 16 − 11·1.28 > 1 pixel of margin).
  const interior = (i: number, j: number) => Math.hypot(i - 16, j - 16) <= 11;

  it('warp then inverse is exact (≤ 1e-4) on a field linear in the coordinates, inside the grid', () => {
    const f = Float32Array.from(
      { length: rows * cols },
      (_, k) => 0.3 + 0.01 * Math.floor(k / cols) - 0.02 * (k % cols),
    );
    const back = warpArray(warpArray(f, rows, cols, 1, affine, false), rows, cols, 1, affine, true);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        if (interior(i, j)) expect(Math.abs(back[i * cols + j] - f[i * cols + j])).toBeLessThan(1e-4);
  });

  it('the inverse warp by 90° without zoom is one counter-clockwise quarter turn (within 1e-5)', () => {
    // Inverse: out(q) = src(R(−90°)(q − c) + c) = src(j, 32 − i), which is rotateArray's one turn.
    const f = randomArray(rows * cols * C, 'w90');
    const w = warpArray(f, rows, cols, C, { angle: Math.PI / 2, scale: 1 }, true);
    const r = rotateArray(f, rows, cols, C, 1);
    expect(maxDiff(w, r)).toBeLessThan(1e-5);
  });

  it('TTA of a smooth pixelwise model under affine draws: each sample within 0.05 of the untransformed output inside (bilinear twice smooths a little)', () => {
    const image = Float32Array.from({ length: rows * cols }, (_, k) => {
      const [i, j] = [Math.floor(k / cols), k % cols];
      return 0.5 + 0.4 * Math.sin(i / 6) * Math.cos(j / 7);
    });
    // A soft pixelwise model: softmax of (−(v − centre_c)²/0.02) over four centres.
    const soft = (im: Float32Array) => {
      const out = new Float32Array(im.length * C);
      im.forEach((v, k) => {
        const e = [0.2, 0.4, 0.6, 0.8].map((m) => Math.exp(-((v - m) ** 2) / 0.02));
        const s = e.reduce((a, b) => a + b, 0);
        e.forEach((x, c) => (out[k * C + c] = x / s));
      });
      return out;
    };
    const family = { flips: true, rotations: true, affine: true, intensity: false };
    const T = 12;
    const s = testTimeAugmentation((ims) => ims.map((x) => soft(x.image)), { image, rows, cols }, T, {
      seed: 2,
      family,
      classes: C,
    });
    const plain = soft(image);
    let affineDraws = 0;
    for (let t = 0; t < T; t++) {
      if (drawTransform(2, t, rows, cols, family).affine) affineDraws++;
      let worst = 0;
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++)
          if (interior(i, j))
            for (let c = 0; c < C; c++) {
              const k = (i * cols + j) * C + c;
              worst = Math.max(worst, Math.abs(s.data[t * rows * cols * C + k] - plain[k]));
            }
      expect(worst).toBeLessThan(0.05);
    }
    expect(affineDraws).toBeGreaterThan(2);
    // Each pixel of each sample is a distribution.
    let worstSum = 0;
    for (let k = 0; k < s.data.length; k += C)
      worstSum = Math.max(worstSum, Math.abs(s.data[k] + s.data[k + 1] + s.data[k + 2] + s.data[k + 3] - 1));
    expect(worstSum).toBeLessThan(1e-5);
  });
});

describe('intensity and composition', () => {
  it('gamma keeps the min–max range; noise is seeded per sample', () => {
    const image = Float32Array.from([0, 0.25, 0.5, 1]);
    const g = transformImage(image, 2, 2, { flip: 'none', quarterTurns: 0, affine: null, gamma: 2, noise: 0 }, null);
    expect(Array.from(g)).toEqual([0, 0.0625, 0.25, 1]);
    const noisy: TtaTransform = { flip: 'none', quarterTurns: 0, affine: null, gamma: 1, noise: 0.03 };
    const n1 = transformImage(image, 2, 2, noisy, createRng(1, 'n'));
    expect(transformImage(image, 2, 2, noisy, createRng(1, 'n'))).toEqual(n1);
    expect(n1).not.toEqual(image);
    expect(maxDiff(n1, image)).toBeLessThan(0.03 * 6);
  });

  it('a stochastic base predictor: sample t is evaluated under draw t', () => {
    const seen: number[] = [];
    // The draw index is the image's position: a predictor that records it and outputs class t mod 4.
    const predict: DrawPredictor = (images) =>
      images.map((im, t) => {
        seen.push(t);
        const out = new Float32Array(im.rows * im.cols * C);
        for (let k = 0; k < im.rows * im.cols; k++) out[k * C + (t % C)] = 1;
        return out;
      });
    const s = testTimeAugmentation(predict, { image: randomArray(16, 'x'), rows: 4, cols: 4 }, 6, { classes: C });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    for (let t = 0; t < 6; t++) expect(s.data[t * 64 + (t % C)]).toBe(1);
  });

  it('bad T is a typed error', () => {
    expect(() =>
      testTimeAugmentation(pixelwise, { image: new Float32Array(4), rows: 2, cols: 2 }, 0, { classes: C }),
    ).toThrow(/T ≥ 1/);
  });
});
