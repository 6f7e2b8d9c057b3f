/**
 * The task a PNG pool thread runs (./png.ts): one map encoded by ./png-encode.ts. Kept apart from
 * the pool so a thread loads only pngjs and the encoders.
 */
import { heatPng, imagePng, labelPng } from './png-encode';

export type PngTask =
  | { kind: 'image'; values: Float32Array; rows: number; cols: number }
  | { kind: 'label'; labels: Uint8Array; rows: number; cols: number }
  | { kind: 'heat'; values: Float32Array; rows: number; cols: number; max: number };

export function renderPng(task: PngTask): string {
  switch (task.kind) {
    case 'image':
      return imagePng(task.values, task.rows, task.cols);
    case 'label':
      return labelPng(task.labels, task.rows, task.cols);
    case 'heat':
      return heatPng(task.values, task.rows, task.cols, task.max);
  }
}
