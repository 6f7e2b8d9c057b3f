/**
 * Concat and SplitV for the wasm backend (docs/design.md "Engine backends"). The shipped ones copy
 * each contiguous block with `subarray` + `set`; along the channel axis of an NHWC tensor a block
 * is one pixel's few channels, so a U-Net's skip concatenation made ≈ 150 000 typed-array views per
 * call and its gradient (SplitV) took ≈ 15 % of a training step. These copy short blocks element
 * by element and long ones with `set`; the values are the same bytes. Strings fall back to the
 * shipped kernels.
 *
 * Both see the tensor as [outer, inner]: outer = Π shape[0 … axis−1]; each part's inner extent is
 * its size along the axis times Π shape[axis+1 …], and a part's block b sits at b · innerTotal +
 * (offset of the part) in the concatenated tensor.
 */
import {
  backend_util,
  Concat,
  getKernel,
  SplitV,
  util,
  type ConcatAttrs,
  type KernelConfig,
  type KernelFunc,
  type SplitVAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './wasm-ops';

/** Below this many elements a block is copied element by element (a view costs more than that). */
const SHORT_BLOCK = 64;

type Heap = Float32Array | Int32Array | Uint8Array;

/**
 * Copies `outer` blocks between a whole tensor and one of its parts:
 * part[b·inner + k] ↔ whole[b·innerTotal + offset + k].
 */
function copyBlocks(
  whole: Heap,
  part: Heap,
  outer: number,
  inner: number,
  innerTotal: number,
  offset: number,
  into: 'whole' | 'part',
): void {
  if (inner >= SHORT_BLOCK) {
    for (let b = 0; b < outer; b++) {
      const w = b * innerTotal + offset;
      if (into === 'whole') whole.set(part.subarray(b * inner, (b + 1) * inner), w);
      else part.set(whole.subarray(w, w + inner), b * inner);
    }
    return;
  }
  for (let b = 0; b < outer; b++) {
    const w = b * innerTotal + offset;
    const p = b * inner;
    if (into === 'whole') for (let k = 0; k < inner; k++) whole[w + k] = part[p + k];
    else for (let k = 0; k < inner; k++) part[p + k] = whole[w + k];
  }
}

const shippedKernels = new Map<string, KernelConfig>();

/** Keeps wasm's own Concat and SplitV for strings (call before replacing them). */
export function captureShippedBlockCopies(): void {
  for (const name of [Concat, SplitV]) {
    const k = getKernel(name, 'wasm');
    if (k != null && k.kernelFunc !== OURS[name]) shippedKernels.set(name, k);
  }
}

function shipped(name: string, args: { inputs: unknown; backend: unknown; attrs: unknown }) {
  const k = shippedKernels.get(name);
  if (k == null) throw new Error(`wasm ${name} of strings needs the shipped kernel`);
  return (k.kernelFunc as KernelFunc)(args as Parameters<KernelFunc>[0]);
}

function concat(args: { inputs: TensorInfo[]; backend: WasmHeapBackend; attrs: ConcatAttrs }) {
  const { inputs, backend } = args;
  if (inputs.some((t) => t.dtype === 'string')) return shipped(Concat, args);
  const axis = util.parseAxisParam(args.attrs.axis, inputs[0].shape)[0];
  backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    axis,
  );
  const out = backend.makeOutput(
    backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    ),
    inputs[0].dtype as 'float32',
  );
  const outer = util.sizeFromShape(inputs[0].shape.slice(0, axis));
  const inners = inputs.map((t) => util.sizeFromShape(t.shape.slice(axis)));
  const innerTotal = inners.reduce((a, b) => a + b, 0);
  if (outer * innerTotal === 0) return out;
  // Views after makeOutput: allocation may grow (and detach) the heap.
  const whole = backend.typedArrayFromHeap(out);
  let offset = 0;
  inputs.forEach((t, i) => {
    if (inners[i] > 0) copyBlocks(whole, backend.typedArrayFromHeap(t), outer, inners[i], innerTotal, offset, 'whole');
    offset += inners[i];
  });
  return out;
}

function splitV(args: { inputs: { x: TensorInfo }; backend: WasmHeapBackend; attrs: SplitVAttrs }) {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype === 'string') return shipped(SplitV, args);
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
  const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis) as number[];
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  const below = util.sizeFromShape(x.shape.slice(axis + 1));
  const innerTotal = x.shape[axis] * below;
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return backend.makeOutput(shape, x.dtype as 'float32');
  });
  let offset = 0;
  for (const [i, s] of sizes.entries()) {
    const inner = s * below;
    if (outer * inner > 0)
      copyBlocks(
        backend.typedArrayFromHeap(x),
        backend.typedArrayFromHeap(outs[i]),
        outer,
        inner,
        innerTotal,
        offset,
        'part',
      );
    offset += inner;
  }
  return outs;
}

const OURS: Record<string, KernelFunc> = {
  [Concat]: concat as unknown as KernelFunc,
  [SplitV]: splitV as unknown as KernelFunc,
};

export const concatConfig: KernelConfig = { kernelName: Concat, backendName: 'wasm', kernelFunc: OURS[Concat] };
export const splitVConfig: KernelConfig = { kernelName: SplitV, backendName: 'wasm', kernelFunc: OURS[SplitV] };
