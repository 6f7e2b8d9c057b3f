/**
 * A small synthetic short-axis batch for engine tests (no dependency on the phantom module):
 * a dark background with noise, an LV disk (class 3, bright), a myocardial ring (class 2, dark
 * grey) around it and an RV crescent (class 1, bright) beside it, with seeded random centre,
 * radii and intensities.
 */
import seedrandom from 'seedrandom';
import type { TrainingSlice } from '../../../src/engine/training/types';

export function syntheticSlice(seed: number, rows = 96, cols = 96): TrainingSlice {
  const rnd = seedrandom(`synthetic-${seed}`);
  const u = (a: number, b: number): number => a + (b - a) * rnd();
  const cx = rows / 2 + u(-6, 6);
  const cy = cols / 2 + u(-6, 6);
  const rLv = u(7, 12);
  const wall = u(3, 5);
  const rvDx = u(-4, 4);
  const rvDy = rLv + wall + u(4, 8);
  const rRv = u(8, 12);
  const image = new Float32Array(rows * cols);
  const label = new Uint8Array(rows * cols);
  const blood = u(0.8, 1.0);
  const myo = u(0.25, 0.35);
  for (let x = 0; x < rows; x++) {
    for (let y = 0; y < cols; y++) {
      const d = Math.hypot(x - cx, y - cy);
      const dRv = Math.hypot(x - (cx + rvDx), y - (cy + rvDy));
      let k = 0;
      let v = 0.1 + 0.05 * Math.sin(x / 5) * Math.cos(y / 7);
      if (d < rLv) {
        k = 3;
        v = blood;
      } else if (d < rLv + wall) {
        k = 2;
        v = myo;
      } else if (dRv < rRv) {
        k = 1;
        v = blood * 0.9;
      }
      label[x * cols + y] = k;
      image[x * cols + y] = v + 0.05 * (rnd() - 0.5) * 2;
    }
  }
  return { image, label, rows, cols };
}

export function syntheticSet(n: number, seed: number, rows = 96, cols = 96): TrainingSlice[] {
  return Array.from({ length: n }, (_, i) => syntheticSlice(seed * 1000 + i, rows, cols));
}
