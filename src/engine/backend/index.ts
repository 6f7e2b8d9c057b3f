/**
 * Backend selection (docs/design.md "Engine backends"): `tensorflow` (tfjs-node-gpu, else tfjs-node,
 * only when installed and loadable) → `wasm` (default here, with our gradient kernels) → `cpu`
 * (reference). Chosen once per process (or worker); the name actually used is recorded on every
 * run and checkpoint.
 *
 * Override order: the `requested` argument, then env CARDIAC_UQ_BACKEND, then automatic.
 * An explicitly requested backend that cannot start is an error, never a silent fallback.
 */
import * as tf from '@tensorflow/tfjs';
import type * as TfjsWasm from '@tensorflow/tfjs-backend-wasm';
import * as path from 'node:path';
import { InvalidInputError } from '../errors';
import { registerWasmGradientKernels } from './kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
export type BackendRequest = BackendName | 'auto';

let active: BackendName | null = null;
let wasmPathsSet = false;

/** Loads tfjs-node-gpu, else tfjs-node, through a guarded require; false when neither loads. */
function tryLoadTensorflow(): boolean {
  if (tf.findBackend('tensorflow') != null) return true;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
      if (tf.findBackend('tensorflow') != null) return true;
    } catch {
      // not installed or its native library fails to load: try the next one
    }
  }
  return false;
}

/** Directory holding the .wasm binaries inside node_modules, with a trailing separator. */
export function wasmBinaryDir(): string {
  const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkgJson), 'dist') + path.sep;
}

/** The wasm backend registers itself on load: loaded only when chosen (require: see cli/lazy.ts). */

const loadTfjsWasm = (): typeof TfjsWasm => require('@tensorflow/tfjs-backend-wasm');

async function startWasm(): Promise<boolean> {
  const wasm = loadTfjsWasm();
  if (!wasmPathsSet) {
    // Node's emscripten loader reads the binary with fs from this prefix (setWasmPaths, string form).
    wasm.setWasmPaths(wasmBinaryDir());
    wasmPathsSet = true;
  }
  registerWasmGradientKernels();
  return tf.setBackend('wasm');
}

async function start(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') return tryLoadTensorflow() && (await tf.setBackend('tensorflow'));
    if (name === 'wasm') return await startWasm();
    return await tf.setBackend('cpu');
  } catch {
    return false;
  }
}

export function parseBackend(value: string | undefined): BackendRequest | undefined {
  if (value == null || value === '') return undefined;
  const v = value.toLowerCase();
  if (v === 'auto' || (BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendRequest;
  throw new InvalidInputError(
    'BAD_ARGUMENT',
    `unknown backend "${value}" (expected ${BACKEND_NAMES.join(', ')} or auto)`,
  );
}

/**
 * Starts the backend and returns the name actually used. Calling it again with the same or no
 * request returns the active backend; a different explicit request switches.
 *
 * Calls are serialised: two jobs starting at once in one worker must not both start wasm — while
 * one `setBackend('wasm')` is pending, ops of the other would run on the cpu backend and later mix
 * its tensors with wasm's ("Cannot read properties of undefined (reading 'get')").
 */
let initQueue: Promise<unknown> = Promise.resolve();
export function initBackend(requested?: BackendRequest): Promise<BackendName> {
  const next = initQueue.then(() => initBackendNow(requested));
  initQueue = next.catch(() => undefined);
  return next;
}

async function initBackendNow(requested?: BackendRequest): Promise<BackendName> {
  quietCpuBackend();
  const want = requested ?? parseBackend(process.env.CARDIAC_UQ_BACKEND) ?? 'auto';
  if (want === 'auto') {
    if (active != null) return active;
    for (const name of BACKEND_NAMES) {
      if (await start(name)) return (active = name);
    }
    throw new Error('no TensorFlow.js backend could start');
  }
  if (active === want && tf.getBackend() === want) return want;
  if (!(await start(want))) {
    throw new InvalidInputError('BAD_ARGUMENT', `backend "${want}" is not available on this machine`);
  }
  return (active = want);
}

/**
 * The cpu backend prints a "install tfjs-node" banner on first use; we choose backends on purpose
 * and record which ran, so silence it.
 */
function quietCpuBackend(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu != null) cpu.firstUse = false;
}

/** The backend started by `initBackend` (throws before it ran). */
export function activeBackend(): BackendName {
  if (active == null) throw new Error('initBackend() has not run');
  return active;
}
