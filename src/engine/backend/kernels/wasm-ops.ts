/**
 * Helpers for gradient kernels composed from the wasm backend's own kernels (docs/design.md
 * "Engine backends"): each call runs a registered wasm kernel function directly on TensorInfos,
 * outside the engine's tape, so every intermediate must be freed with `dispose`.
 */
import { getKernel, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs';

export interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Runs the wasm kernel `name` and returns its single output. */
export function runWasm(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel == null) throw new Error(`wasm kernel ${name} is not registered`);
  const fn = kernel.kernelFunc as KernelFunc;
  const out = fn({ inputs, backend: backend as never, attrs });
  return Array.isArray(out) ? out[0] : (out as TensorInfo);
}

/** Frees intermediates produced by `runWasm`. */
export function dispose(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Explicit 4-D padding [[0,0],[top,bottom],[left,right],[0,0]] via PadV2; negative amounts are not allowed. */
export function pad4d(
  backend: WasmBackendLike,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): TensorInfo {
  return runWasm('PadV2', backend, { x }, {
    paddings: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    constantValue: 0,
  } as unknown as NamedAttrMap);
}

/** The wasm backend's heap access, for kernels written in JavaScript. */
export interface WasmHeapBackend extends WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}
