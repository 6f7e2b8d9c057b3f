/**
 * Synthetic short-axis-like inputs for the benchmarks: LV disk, MYO ring and RV crescent, as label
 * images and as softmax samples whose radii and centre jitter per sample (about 1 in 8 samples
 * misses the RV partly).
 */
import seedrandom from 'seedrandom';

export function heartLabel(x: number, y: number, cx: number, cy: number, rLv: number, rMyo: number): number {
  const d = Math.hypot(x - cx, y - cy);
  if (d < rLv) return 3;
  if (d < rMyo) return 2;
  const dRv = Math.hypot(x - (cx - 4), y - (cy - rMyo - 6));
  if (dRv < rMyo + 4 && y < cy - 2) return 1;
  return 0;
}

/** [T, H, W, C] float32 softmax samples of a jittered heart centred near (H/2, W/2). */
export function heartSamples(o: { T: number; H: number; W: number; C: number; seed: string }): Float32Array {
  const { T, H, W, C } = o;
  const rng = seedrandom(o.seed);
  const out = new Float32Array(T * H * W * C);
  const logits = new Float64Array(C);
  for (let t = 0; t < T; t++) {
    const cx = H / 2 + (rng() - 0.5) * 3;
    const cy = W / 2 + 2 + (rng() - 0.5) * 3;
    const rLv = 13 + (rng() - 0.5) * 2;
    const rMyo = rLv + 5 + (rng() - 0.5) * 2;
    for (let x = 0; x < H; x++) {
      for (let y = 0; y < W; y++) {
        const lab = heartLabel(x + (rng() - 0.5) * 0.8, y, cx, cy, rLv, rMyo);
        let z = 0;
        for (let c = 0; c < C; c++) {
          logits[c] = (c === lab ? 6 : 0) + rng() * 2;
          z += Math.exp(logits[c]);
        }
        const base = ((t * H + x) * W + y) * C;
        for (let c = 0; c < C; c++) out[base + c] = Math.exp(logits[c]) / z;
      }
    }
  }
  return out;
}

/** A label volume [nx, ny, nz] (x fastest) of hearts whose size follows the slice from base to apex. */
export function heartVolume(nx: number, ny: number, nz: number, seed: string, jitter = 0): Uint8Array {
  const rng = seedrandom(seed);
  const out = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) {
    const taper = 1 - (0.6 * z) / Math.max(1, nz - 1);
    const cx = nx / 2 + (rng() - 0.5) * jitter;
    const cy = ny / 2 + (rng() - 0.5) * jitter;
    const rLv = 22 * taper + (rng() - 0.5) * jitter;
    const rMyo = rLv + 8 + (rng() - 0.5) * jitter;
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) out[(z * ny + y) * nx + x] = heartLabel(x, y, cx, cy, rLv, rMyo);
  }
  return out;
}
