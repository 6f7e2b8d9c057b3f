/**
 * Kernels for training and sampling the U-Net variants on wasm, registered for 'wasm'
 * only. Found by training every variant on wasm and comparing each layer's gradient with the cpu
 * backend (test/engine/backend/unet-gradients.test.ts):
 * - Conv2DBackpropFilter: missing in tfjs-backend-wasm 4.22 (training fails without it).
 * - MaxPoolGrad: shipped but wrong (relative error ≈ 1 against cpu; the gradient does not even
 *   sum to Σ dy), replaced.
 * - Conv2DBackpropInput: shipped and correct but a plain loop (≈ 75% of a training step);
 *   replaced for stride 1 by a composition of wasm's XNNPACK Conv2D, shipped one kept for strides.
 * ResizeNearestNeighborGrad, Step (ReLU), Softplus/Sigmoid, SplitV (concat),
 * Floor (dropout) are shipped and correct. (The cpu backend's own ResizeNearestNeighborGrad is
 * wrong for batch > 1 — it offsets dy by the image's batch stride — so comparisons use batch 1.)
 * - Concat and SplitV (the skip concatenation and its gradient): shipped and correct but slow
 *   along the channel axis (block-copy.ts); replaced, same bytes.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { captureShippedBlockCopies, concatConfig, splitVConfig } from './block-copy';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { captureShippedConv2DBackpropInput, conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { maxPoolGradConfig } from './max-pool-grad';

/** Kernels we add (absent from wasm). */
const ADDED: KernelConfig[] = [conv2DBackpropFilterConfig];
/** Kernels we replace (present in wasm but incorrect or slow). */
const REPLACED: KernelConfig[] = [maxPoolGradConfig, conv2DBackpropInputConfig, concatConfig, splitVConfig];

let registered = false;

/** Registers our kernels for 'wasm' once (idempotent). */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  captureShippedConv2DBackpropInput();
  captureShippedBlockCopies();
  for (const config of ADDED) {
    if (getKernel(config.kernelName, 'wasm') == null) registerKernel(config);
  }
  for (const config of REPLACED) {
    if (getKernel(config.kernelName, 'wasm') != null) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
  registered = true;
}
