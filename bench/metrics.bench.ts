/**
 * Metrics benchmarks (figures only, no assertions). Run: npx tsx bench/metrics.bench.ts
 *  1. all four uncertainty measures (entropy, MI, Dice_within, ASSD_within for LV/MYO/RV) for
 *     T = 50, 160×160, C = 4 — ms/image, and the ratio to a naive version (Math.log per term,
 *     separate passes, brute-force pairwise boundary distances) measured in the same run;
 *  2. Dice + ASSD + HD (+HD95) for 3 structures on a 160×160 slice — µs/slice.
 * Inputs are synthetic short-axis-like samples: LV disk, MYO ring, RV crescent whose radii and
 * centre jitter per sample, softmax of distance-based logits.
 */
import { ACDC_LABELS, STRUCTURES, type SpacingMm } from '../src/engine/data/types';
import { SegmentationMetricsWorkspace, sliceMetrics } from '../src/engine/metrics/segmentation-metrics';
import { sampleStatistics } from '../src/engine/metrics/sample-statistics';
import { summarizeUncertainty } from '../src/engine/metrics/uncertainty-summary';
import { WithinSampleWorkspace } from '../src/engine/metrics/within-sample';
import { heartLabel, heartSamples } from './synthetic-heart';

const T = 50;
const H = 160;
const W = 160;
const C = 4;
const spacing: SpacingMm = [1.8, 1.8];

// ---- naive reference: straightforward loops, brute-force distances --------------------------------
function naiveBoundary(lab: Uint8Array, k: number): number[] {
  const b: number[] = [];
  for (let x = 0; x < H; x++)
    for (let y = 0; y < W; y++) {
      const i = x * W + y;
      if (lab[i] !== k) continue;
      if (
        x === 0 ||
        y === 0 ||
        x === H - 1 ||
        y === W - 1 ||
        lab[i - W] !== k ||
        lab[i + W] !== k ||
        lab[i - 1] !== k ||
        lab[i + 1] !== k
      )
        b.push(i);
    }
  return b;
}
function naiveDirectedSum(from: number[], to: number[]): number {
  let s = 0;
  for (const p of from) {
    let best = Infinity;
    const px = Math.floor(p / W);
    const py = p % W;
    for (const q of to) {
      const dx = (px - Math.floor(q / W)) * spacing[0];
      const dy = (py - (q % W)) * spacing[1];
      const d = dx * dx + dy * dy;
      if (d < best) best = d;
    }
    s += Math.sqrt(best);
  }
  return s;
}
function naiveUncertainty(samples: Float32Array): number {
  const P = H * W;
  const mean = new Float64Array(P * C);
  for (let t = 0; t < T; t++) for (let i = 0; i < P * C; i++) mean[i] += samples[t * P * C + i] / T;
  let ent = 0;
  let mi = 0;
  for (let j = 0; j < P; j++) {
    let h = 0;
    for (let c = 0; c < C; c++) {
      const p = mean[j * C + c];
      if (p > 0) h -= p * Math.log(p);
    }
    let hs = 0;
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) {
        const p = samples[(t * P + j) * C + c];
        if (p > 0) hs -= p * Math.log(p);
      }
    ent += h;
    mi += h - hs / T;
  }
  const argmax = (src: ArrayLike<number>, off: number, out: Uint8Array) => {
    for (let j = 0; j < P; j++) {
      let b = 0;
      for (let c = 1; c < C; c++) if (src[off + j * C + c] > src[off + j * C + b]) b = c;
      out[j] = b;
    }
  };
  const bar = new Uint8Array(P);
  argmax(mean, 0, bar);
  const st = new Uint8Array(P);
  let acc = ent + mi;
  for (const s of STRUCTURES) {
    const k = ACDC_LABELS[s];
    const bBar = naiveBoundary(bar, k);
    let dice = 0;
    let assd = 0;
    for (let t = 0; t < T; t++) {
      argmax(samples, t * P * C, st);
      let a = 0;
      let b = 0;
      let ab = 0;
      for (let j = 0; j < P; j++) {
        if (st[j] === k) a++;
        if (bar[j] === k) b++;
        if (st[j] === k && bar[j] === k) ab++;
      }
      dice += a + b === 0 ? 1 : (2 * ab) / (a + b);
      const bT = naiveBoundary(st, k);
      if (bT.length && bBar.length)
        assd += (naiveDirectedSum(bT, bBar) + naiveDirectedSum(bBar, bT)) / (bT.length + bBar.length);
    }
    acc += dice + assd;
  }
  return acc;
}

/**
 * CPU time (user + system) per call in ms: the machines we share are often loaded, and CPU time is
 * less disturbed by other processes than wall time (single-threaded code, so CPU ≈ wall when idle).
 */
function time(fn: () => unknown, reps: number): number {
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
}

const samples = heartSamples({ T, H, W, C, seed: 'metrics-bench' });
const shape = { T, rows: H, cols: W, C };
const ws = new WithinSampleWorkspace(H, W);
const fast = () => summarizeUncertainty(samples, shape, { spacingMm: spacing }, ws);
const s = fast();
for (let i = 0; i < 5; i++) fast(); // warm-up
const fastMs = Math.min(time(fast, 10), time(fast, 10), time(fast, 10));
const pass = () => sampleStatistics(samples, shape);
const passMs = Math.min(time(pass, 10), time(pass, 10), time(pass, 10));
naiveUncertainty(samples);
const naiveMs = Math.min(
  time(() => naiveUncertainty(samples), 2),
  time(() => naiveUncertainty(samples), 2),
);
console.log(`uncertainty measures (entropy, MI, Dice_within, ASSD_within × LV/MYO/RV), T=${T}, ${H}×${W}, C=${C}:`);
console.log(
  `  fast:  ${fastMs.toFixed(2)} ms/image CPU time (best of 3 × 10; target ≤ 15), of which the SIMD sample pass ${passMs.toFixed(2)} ms`,
);
console.log(`  naive: ${naiveMs.toFixed(1)} ms/image CPU time → ratio ${(naiveMs / fastMs).toFixed(1)}×`);
console.log(
  `  (entropy ${s.entropy.toFixed(4)}, MI ${s.mi.toFixed(4)}, ` +
    STRUCTURES.map(
      (k) => `${k} Dice_w ${s.structures[k].diceWithin.toFixed(3)} ASSD_w ${s.structures[k].assdWithinMm?.toFixed(3)}`,
    ).join(', ') +
    ')',
);

// ---- Dice + ASSD + HD for 3 structures on one slice --------------------------------------------------
const gt = new Uint8Array(H * W);
const pred = new Uint8Array(H * W);
for (let x = 0; x < H; x++)
  for (let y = 0; y < W; y++) {
    gt[x * W + y] = heartLabel(x, y, 80, 82, 13, 18);
    pred[x * W + y] = heartLabel(x, y, 81.3, 80.6, 12.2, 18.9);
  }
const mws = new SegmentationMetricsWorkspace(H, W);
const seg = () => sliceMetrics(pred, gt, H, W, spacing, ACDC_LABELS, mws);
for (let i = 0; i < 200; i++) seg();
const segUs = Math.min(time(seg, 500), time(seg, 500)) * 1000;
console.log(
  `Dice + ASSD + HD (+HD95) for LV/MYO/RV, ${H}×${W}: ${segUs.toFixed(1)} µs/slice CPU time (best of 2 × 500)`,
);
