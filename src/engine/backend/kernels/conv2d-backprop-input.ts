/**
 * Conv2DBackpropInput for the wasm backend. wasm ships one, but it is a plain loop that takes
 * ≈ 75% of a U-Net training step (measured with tf.profile: 442 ms of 650 ms per batch at
 * quick-preset sizes). For stride 1 this replacement runs wasm's XNNPACK Conv2D instead
 * (docs/design.md "Engine backends"): with a K_h×K_w filter and forward padding (top, left),
 *
 *   dx[b, i, j, ci] = Σ_{kh,kw,co} dy[b, i + top − kh, j + left − kw, co] · W[kh, kw, ci, co]
 *                   = Conv2D_valid(pad(dy), W')[b, i, j, ci],
 *   W'[u, v, co, ci] = W[K_h−1−u, K_w−1−v, ci, co]   (180° rotation, in/out channels swapped),
 *
 * with dy padded by K_h−1−top rows on top and by whatever completes the input height below (the
 * same for columns). Composed from wasm's Reverse, Transpose, PadV2 and Conv2D; intermediates
 * freed. Strided or dilated cases fall back to the shipped kernel.
 */
import {
  backend_util,
  Conv2DBackpropInput,
  getKernel,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { dispose, pad4d, runWasm, type WasmBackendLike } from './wasm-ops';

let shipped: KernelConfig | null = null;
let shippedReady = false;

/** Keeps wasm's own kernel for the cases this one does not handle (call before replacing it). */
export function captureShippedConv2DBackpropInput(): void {
  const k = getKernel(Conv2DBackpropInput, 'wasm');
  if (k != null && k.kernelFunc !== conv2DBackpropInputConfig.kernelFunc) shipped = k;
}

function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackendLike;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (sh !== 1 || sw !== 1 || info.dataFormat !== 'channelsLast') {
    if (shipped == null) throw new Error('wasm Conv2DBackpropInput: strided case needs the shipped kernel');
    if (!shippedReady) {
      shipped.setupFunc?.(backend as never);
      shippedReady = true;
    }
    return (shipped.kernelFunc as KernelFunc)({
      inputs,
      backend: backend as never,
      attrs: attrs as unknown as NamedAttrMap,
    }) as TensorInfo;
  }
  const [kh, kw] = filter.shape;
  const [, H, W] = inputShape;
  const { top, left } = info.padInfo;
  const padTop = kh - 1 - top;
  const padLeft = kw - 1 - left;
  const padBottom = H + kh - 1 - padTop - info.outHeight;
  const padRight = W + kw - 1 - padLeft - info.outWidth;
  const rotated = runWasm('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const wT = runWasm('Transpose', backend, { x: rotated }, { perm: [0, 1, 3, 2] });
  const dyPad = pad4d(backend, dy, padTop, padBottom, padLeft, padRight);
  const out = runWasm('Conv2D', backend, { x: dyPad, filter: wT }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [1, 1],
  } as unknown as NamedAttrMap);
  dispose(backend, rotated, wT, dyPad);
  return out;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelConfig['kernelFunc'],
};
