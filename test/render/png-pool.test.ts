/**
 * The PNG pool (src/render/png.ts): images come back from worker threads pixel for pixel as
 * specified (decoded independently with pngjs), and encoding a large map does not hold up this
 * thread's event loop, as encoding it here does.
 */
import { PNG } from 'pngjs';
import { closePngPool, heatPng, labelPng } from '../../src/render/png';
import { heatPng as heatPngHere } from '../../src/render/png-encode';

const decode = (dataUrl: string) =>
  PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));

afterAll(() => closePngPool());

test('a label map rendered in the pool has the class colours, row-major rows × cols', async () => {
  const labels = Uint8Array.from([0, 1, 2, 3, 3, 2]); // 2 rows × 3 cols
  const png = decode(await labelPng(labels, 2, 3));
  expect([png.width, png.height]).toEqual([3, 2]);
  const pixel = (i: number) => Array.from(png.data.subarray(4 * i, 4 * i + 4));
  expect(pixel(0)).toEqual([0, 0, 0, 0]);
  expect(pixel(1)).toEqual([66, 133, 244, 255]); // RV
  expect(pixel(2)).toEqual([52, 168, 83, 255]); // MYO
  expect(pixel(3)).toEqual([234, 67, 53, 255]); // LV
  expect(pixel(5)).toEqual([52, 168, 83, 255]);
});

test('a heat map: the ramp ends at its value range, alpha twice the value up to 1', async () => {
  const png = decode(await heatPng(Float32Array.from([0, 1, 0.25]), 1, 3, 1));
  const pixel = (i: number) => Array.from(png.data.subarray(4 * i, 4 * i + 4));
  expect(pixel(0)).toEqual([68, 1, 84, 0]);
  expect(pixel(1)).toEqual([253, 231, 37, 255]);
  expect(pixel(2)).toEqual([59, 82, 139, 128]); // t = 0.25·4 = 1: the second stop; alpha round(255·0.5)
});

test('encoding a large map in the pool leaves this event loop turning', async () => {
  const n = 512;
  const values = Float32Array.from({ length: n * n }, (_, i) => (i % 997) / 997);
  await heatPng(Float32Array.from([0]), 1, 1, 1); // the pool thread is up
  const t0 = performance.now();
  heatPngHere(values, n, n, 1);
  const here = performance.now() - t0;

  let last = performance.now();
  let longestGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 5);
  const rendered = await heatPng(values, n, n, 1);
  clearInterval(tick);
  expect(decode(rendered).width).toBe(n);
  // Encoded on this thread, the loop would stall for the whole encode (`here`).
  expect(longestGap).toBeLessThan(here / 2);
}, 60000);
