/**
 * Gradient kernels the wasm backend lacks for training the U-Net variants, one per file.
 * Found by training every model variant on wasm: only Conv2DBackpropFilter is missing in
 * tfjs-backend-wasm 4.22 (Conv2DBackpropInput, MaxPoolGrad, ResizeNearestNeighborGrad, Step,
 * Softplus, … are shipped).
 */
import { getKernel, registerKernel } from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';

const KERNELS = [conv2DBackpropFilterConfig];

/** Registers our kernels for 'wasm' once (idempotent). */
export function registerWasmGradientKernels(): void {
  for (const config of KERNELS) {
    if (getKernel(config.kernelName, 'wasm') == null) registerKernel(config);
  }
}
