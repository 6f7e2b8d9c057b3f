/**
 * Structural uncertainty within the T posterior samples (paper "Algorithm Evaluation", structural
 * uncertainty measures; docs/design.md "Definitions"). With S̄ = argmax p̄ and S_t = argmax p_t (ties →
 * lowest class), for structure class k:
 *
 *   Dice_within(k) = (1/T) Σ_t Dice(S̄ = k, S_t = k)
 *   ASSD_within(k) = mean over the t where ASSD(S̄ = k, S_t = k) is defined, null when none
 *
 * Dice and ASSD (and the empty rules: both empty → Dice 1, ASSD 0; exactly one empty → Dice 0,
 * ASSD undefined) exactly as segmentation-metrics.ts. Fast paths that give the same numbers: a
 * sample identical to S̄ (equal counts and intersection) has Dice 1, ASSD 0; the distance field of
 * ∂S̄ is computed once per structure (over the bounding box of all regions involved, exact, see
 * distance-transform.ts); the distances from ∂S̄ to ∂S_t come from a ring search around each
 * point of ∂S̄ (surface-distance.ts), since the two boundaries mostly coincide, and from the
 * distance field of ∂S_t only when some point of ∂S̄ lies far from ∂S_t.
 */
import type { SpacingMm } from '../data/types';
import { type RegionOverlap, boundaryPixels, regionBox } from './boundary';
import { type PixelBox, emptyBox, squaredDistanceToPixels } from './distance-transform';
import type { SampleStatistics } from './sample-statistics';
import { SurfaceDistanceWorkspace, directedDistances, directedSumByRingSearch, unionBox } from './surface-distance';

/** Rings searched around a point of ∂S̄ before the distance transform of ∂S_t takes over. */
const RING_SEARCH_RADIUS = 6;

export interface WithinSampleMeasures {
  diceWithin: number;
  assdWithinMm: number | null;
  /** Number of samples whose ASSD to S̄ was defined (kept in the ASSD mean). */
  assdPairs: number;
}

/** argmax over C classes per pixel (ties → lowest class). */
export function argmaxLabels(
  probs: ArrayLike<number>,
  pixels: number,
  C: number,
  out: Uint8Array = new Uint8Array(pixels),
): Uint8Array {
  for (let j = 0, o = 0; j < pixels; j++, o += C) {
    let best = 0;
    let bestP = probs[o];
    for (let c = 1; c < C; c++) {
      if (probs[o + c] > bestP) {
        bestP = probs[o + c];
        best = c;
      }
    }
    out[j] = best;
  }
  return out;
}

/** Buffers reused across structures and images of one size. */
export class WithinSampleWorkspace {
  readonly surface: SurfaceDistanceWorkspace;
  /** Squared distance field of ∂S̄. */
  readonly meanField: Float64Array;
  /** 1 on ∂S_t while a sample is measured, else 0. */
  readonly sampleBoundary: Uint8Array;
  /** |S_t ∩ S̄|, counted while ∂S_t is extracted. */
  readonly overlap: RegionOverlap;
  readonly meanBox: PixelBox = emptyBox();
  readonly sampleBox: PixelBox = emptyBox();
  readonly allBox: PixelBox = emptyBox();
  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.surface = new SurfaceDistanceWorkspace(rows, cols);
    this.meanField = new Float64Array(rows * cols);
    this.sampleBoundary = new Uint8Array(rows * cols);
    this.overlap = { other: new Uint8Array(0), count: 0 };
  }
}

/**
 * Dice_within and ASSD_within of class `classIndex` given the fused sample statistics and
 * S̄ = argmax p̄ (`meanLabels`, rows·cols).
 */
export function withinSampleMeasures(
  stats: SampleStatistics,
  meanLabels: Uint8Array,
  classIndex: number,
  spacingMm: SpacingMm,
  ws: WithinSampleWorkspace = new WithinSampleWorkspace(stats.shape.rows, stats.shape.cols),
): WithinSampleMeasures {
  const { T, rows, cols, C } = stats.shape;
  const pixels = rows * cols;
  const k = classIndex;
  const sw = ws.surface;
  const meanBox = ws.meanBox;
  const meanCount = regionBox(meanLabels, rows, cols, k, meanBox);
  const nMean = meanCount === 0 ? 0 : boundaryPixels(meanLabels, rows, cols, k, meanBox, sw.boundaryB);
  ws.overlap.other = meanLabels;

  // Box holding S̄ = k and every S_t = k: the field of ∂S̄ is exact over it.
  const all = ws.allBox;
  all.r0 = meanBox.r0;
  all.r1 = meanBox.r1;
  all.c0 = meanBox.c0;
  all.c1 = meanBox.c1;
  const boxes = stats.classBoxes;
  for (let t = 0; t < T; t++) {
    const q = (t * C + k) * 4;
    if (boxes[q + 1] < 0) continue;
    if (boxes[q] < all.r0) all.r0 = boxes[q];
    if (boxes[q + 1] > all.r1) all.r1 = boxes[q + 1];
    if (boxes[q + 2] < all.c0) all.c0 = boxes[q + 2];
    if (boxes[q + 3] > all.c1) all.c1 = boxes[q + 3];
  }
  let meanFieldReady = false;

  let diceSum = 0;
  let assdSum = 0;
  let pairs = 0;
  const sb = ws.sampleBox;
  for (let t = 0; t < T; t++) {
    const count = stats.classCounts[t * C + k];
    if (count === 0 || meanCount === 0) {
      if (count === 0 && meanCount === 0) {
        diceSum += 1;
        pairs++; // both empty: ASSD 0
      }
      continue; // exactly one empty: Dice 0, ASSD undefined
    }
    const q = (t * C + k) * 4;
    sb.r0 = boxes[q];
    sb.r1 = boxes[q + 1];
    sb.c0 = boxes[q + 2];
    sb.c1 = boxes[q + 3];
    const labels = stats.sampleLabels.subarray(t * pixels, (t + 1) * pixels);
    const overlap = ws.overlap;
    const nT = boundaryPixels(labels, rows, cols, k, sb, sw.boundaryA, overlap);
    const inter = overlap.count;
    diceSum += (2 * inter) / (count + meanCount);
    pairs++;
    if (inter === count && inter === meanCount) continue; // identical regions: ASSD 0
    if (!meanFieldReady) {
      squaredDistanceToPixels(sw.boundaryB, nMean, rows, cols, spacingMm, all, ws.meanField, sw.transform);
      meanFieldReady = true;
    }
    const toMean = directedDistances(sw.boundaryA, nT, ws.meanField);
    const marks = ws.sampleBoundary;
    for (let i = 0; i < nT; i++) marks[sw.boundaryA[i]] = 1;
    let fromMeanMm = directedSumByRingSearch(sw.boundaryB, nMean, marks, rows, cols, spacingMm, RING_SEARCH_RADIUS);
    for (let i = 0; i < nT; i++) marks[sw.boundaryA[i]] = 0;
    if (Number.isNaN(fromMeanMm)) {
      const box = unionBox(sb, meanBox, sw.box);
      squaredDistanceToPixels(sw.boundaryA, nT, rows, cols, spacingMm, box, sw.field, sw.transform);
      fromMeanMm = directedDistances(sw.boundaryB, nMean, sw.field).sumMm;
    }
    assdSum += (toMean.sumMm + fromMeanMm) / (nT + nMean);
  }
  return { diceWithin: diceSum / T, assdWithinMm: pairs === 0 ? null : assdSum / pairs, assdPairs: pairs };
}
