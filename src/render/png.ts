/**
 * Slices and maps as PNG data URLs for web front ends, encoded in a pool of worker threads
 * (piscina) so that no request's PNGs hold up the API's event loop (docs/design.md "Processes and
 * roles"). The encoders themselves are in ./png-encode.ts.
 *
 * The pool starts on first use with no thread kept idle, so processes that never render (workers,
 * CLI commands) start none, and an idle API lets its threads go.
 */
import os from 'node:os';
import path from 'node:path';
import type * as PiscinaModule from 'piscina';
import type { PngTask } from './png-worker';

/** Loaded on first use, since most commands never render (require: see cli/lazy.ts). */
const loadPiscina = (): typeof PiscinaModule => require('piscina');

let pool: PiscinaModule.Piscina | undefined;

function renderPool(): PiscinaModule.Piscina {
  if (!pool) {
    const { Piscina: Pool } = loadPiscina();
    pool = new Pool({
      filename: path.join(__dirname, 'png-worker-entry.js'),
      minThreads: 0,
      maxThreads: Math.max(1, Math.min(4, os.availableParallelism() - 1)),
      idleTimeout: 10_000,
    });
  }
  return pool;
}

const render = (task: PngTask): Promise<string> => renderPool().run(task);

/** Grey levels between the 1st and 99th percentile of the image. */
export const imagePng = (values: Float32Array, rows: number, cols: number) =>
  render({ kind: 'image', values, rows, cols });

/** Class colours, background transparent. */
export const labelPng = (labels: Uint8Array, rows: number, cols: number) =>
  render({ kind: 'label', labels, rows, cols });

/** Values in [0, max] through the colour ramp; alpha grows with the value. */
export const heatPng = (values: Float32Array, rows: number, cols: number, max: number) =>
  render({ kind: 'heat', values, rows, cols, max });

/** Stops the pool's threads (tests; processes exit with them anyway). */
export async function closePngPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}
