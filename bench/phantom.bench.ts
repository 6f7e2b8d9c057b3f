/**
 * Phantom generation speed: slices per second (and ms per slice) for sites A and B, single thread.
 * Run: npx tsx bench/phantom.bench.ts [subjects per site, default 10]
 */
import { generatePhantomSubject } from '../src/engine/data/phantom';

const subjects = Number(process.argv[2] ?? 10);
generatePhantomSubject('A', 999, 'warmup');
for (const site of ['A', 'B'] as const) {
  let slices = 0;
  let pixels = 0;
  const t0 = performance.now();
  for (let k = 0; k < subjects; k++) {
    const s = generatePhantomSubject(site, k, 'bench');
    slices += s.slices.length;
    pixels += s.slices.reduce((a, x) => a + x.rows * x.cols, 0);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `phantom site ${site}: ${subjects} subjects, ${slices} slices in ${seconds.toFixed(2)} s → ` +
      `${(slices / seconds).toFixed(1)} slices/s, ${((seconds * 1000) / slices).toFixed(2)} ms/slice, ` +
      `${(pixels / slices).toFixed(0)} px/slice`,
  );
}
