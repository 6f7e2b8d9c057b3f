/**
 * Independent reference implementations for the metric tests: literal transcriptions of docs/design.md
 * "Definitions" with pairwise distance search and Math.log, no shared code with src/engine/metrics.
 */
import seedrandom from 'seedrandom';

export type Spacing = readonly [number, number];

/** Boundary pixels (4-neighbourhood, outside the image counts as outside) of {lab == v}. */
export function refBoundary(lab: ArrayLike<number>, rows: number, cols: number, v: number): Array<[number, number]> {
  const inR = (x: number, y: number) => x >= 0 && y >= 0 && x < rows && y < cols && lab[x * cols + y] === v;
  const out: Array<[number, number]> = [];
  for (let x = 0; x < rows; x++)
    for (let y = 0; y < cols; y++)
      if (inR(x, y) && (!inR(x - 1, y) || !inR(x + 1, y) || !inR(x, y - 1) || !inR(x, y + 1))) out.push([x, y]);
  return out;
}

export function refDirected(from: Array<[number, number]>, to: Array<[number, number]>, s: Spacing): number[] {
  return from.map(([x, y]) => {
    let best = Infinity;
    for (const [u, w] of to) best = Math.min(best, Math.hypot((x - u) * s[0], (y - w) * s[1]));
    return best;
  });
}

export interface RefMetrics {
  dice: number;
  assd: number | null;
  hd: number | null;
  hd95: number | null;
}

/** numpy-style linear percentile. */
export function refPercentile(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const h = q * (v.length - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

export function refMetrics(
  a: ArrayLike<number>,
  va: number,
  b: ArrayLike<number>,
  vb: number,
  rows: number,
  cols: number,
  s: Spacing,
): RefMetrics {
  let na = 0;
  let nb = 0;
  let nab = 0;
  for (let i = 0; i < rows * cols; i++) {
    if (a[i] === va) na++;
    if (b[i] === vb) nb++;
    if (a[i] === va && b[i] === vb) nab++;
  }
  if (na === 0 && nb === 0) return { dice: 1, assd: 0, hd: 0, hd95: 0 };
  if (na === 0 || nb === 0) return { dice: 0, assd: null, hd: null, hd95: null };
  const ba = refBoundary(a, rows, cols, va);
  const bb = refBoundary(b, rows, cols, vb);
  const ab = refDirected(ba, bb, s);
  const ba2 = refDirected(bb, ba, s);
  const all = [...ab, ...ba2];
  return {
    dice: (2 * nab) / (na + nb),
    assd: all.reduce((p, c) => p + c, 0) / all.length,
    hd: Math.max(...all),
    hd95: refPercentile(all, 0.95),
  };
}

/** Random blobby label image with values in 0..maxLabel (disks and rectangles plus speckle). */
export function randomLabels(
  rng: seedrandom.PRNG,
  rows: number,
  cols: number,
  maxLabel: number,
  speckle = 0.02,
): Uint8Array {
  const lab = new Uint8Array(rows * cols);
  const shapes = 1 + Math.floor(rng() * 4);
  for (let k = 0; k < shapes; k++) {
    const v = 1 + Math.floor(rng() * maxLabel);
    const cx = rng() * rows;
    const cy = rng() * cols;
    const r = 1 + rng() * Math.min(rows, cols) * 0.4;
    const rect = rng() < 0.3;
    for (let x = 0; x < rows; x++)
      for (let y = 0; y < cols; y++) {
        const inside = rect ? Math.abs(x - cx) < r && Math.abs(y - cy) < r * 0.6 : Math.hypot(x - cx, y - cy) < r;
        if (inside) lab[x * cols + y] = v;
      }
  }
  for (let i = 0; i < rows * cols; i++) if (rng() < speckle) lab[i] = Math.floor(rng() * (maxLabel + 1));
  return lab;
}

/** Entropy −Σ p ln p with Math.log. */
export function refEntropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) h -= p[i] * Math.log(p[i]);
  return h;
}

/** Random softmax samples [T, H, W, C] in float32, some one-hot-ish, some ties. */
export function randomSamples(
  rng: seedrandom.PRNG,
  T: number,
  rows: number,
  cols: number,
  C: number,
  base?: Uint8Array,
): Float32Array {
  const out = new Float32Array(T * rows * cols * C);
  const z = new Float64Array(C);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < rows * cols; i++) {
      const o = (t * rows * cols + i) * C;
      const favoured = base ? (rng() < 0.9 ? base[i] : Math.floor(rng() * C)) : Math.floor(rng() * C);
      let s = 0;
      for (let c = 0; c < C; c++) {
        z[c] = Math.exp((c === favoured ? 3 : 0) + rng() * 2);
        s += z[c];
      }
      for (let c = 0; c < C; c++) out[o + c] = z[c] / s;
      if (rng() < 0.02) {
        out.fill(0, o, o + C);
        out[o + favoured] = 1; // exact one-hot (exercises 0·ln 0)
      }
    }
  return out;
}
