/**
 * MaxPoolGrad for the wasm backend. tfjs-backend-wasm 4.22 ships one, but it returns wrong
 * gradients (measured against the cpu backend: relative error ≈ 1 on a 2×2/stride-2 pool of
 * random input; test/engine/backend/max-pool-grad.test.ts), which silently breaks training of
 * every encoder layer. This replacement follows TensorFlow's semantics: each window's gradient goes
 * to the first maximum in row-major order; windows overlapping padding ignore the padded taps.
 * It runs in JavaScript on views of the wasm heap (one pass over dy, O(dy · window)).
 */
import { backend_util, MaxPoolGrad, type KernelConfig, type MaxPoolGradAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './wasm-ops';

function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  backend: WasmHeapBackend;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const dx = backend.makeOutput(input.shape, 'float32');
  // Views after makeOutput: allocation may grow (and detach) the heap.
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  out.fill(0);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * sh - top;
      const ya = Math.max(0, y0);
      const yb = Math.min(H, y0 + fh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * sw - left;
        const xa = Math.max(0, x0);
        const xb = Math.min(W, x0 + fw);
        const gBase = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let arg = -1;
          for (let yy = ya; yy < yb; yy++) {
            for (let xx = xa; xx < xb; xx++) {
              const idx = ((b * H + yy) * W + xx) * C + c;
              if (x[idx] > best || arg < 0) {
                best = x[idx];
                arg = idx;
              }
            }
          }
          if (arg >= 0) out[arg] += g[gBase + c];
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelConfig['kernelFunc'],
};
