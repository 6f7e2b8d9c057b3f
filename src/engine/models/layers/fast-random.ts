/**
 * Fast seeded noise for the stochastic layers. tfjs's seeded `randomUniform`/`randomNormal` run
 * seedrandom's Alea per element through a generic buffer path, which dominated MC-Dropout
 * sampling time on wasm (≈ 60% of a T = 50 pass at quick sizes). Here: mulberry32, a 32-bit
 * generator with good equidistribution for this purpose, in a tight loop; normals by Box–Muller.
 */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inverted-dropout multipliers: 1/keep with probability keep, else 0. */
export function dropoutMask(n: number, keep: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  const scale = 1 / keep;
  for (let i = 0; i < n; i++) out[i] = next() < keep ? scale : 0;
  return out;
}

/** Standard normal deviates (Box–Muller, both outputs used). */
export function standardNormals(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - next(); // (0, 1]
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
