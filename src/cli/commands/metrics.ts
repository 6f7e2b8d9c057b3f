/**
 * `cardiac-uq metrics --pred P.nii.gz --gt G.nii.gz [--labels RV=1,MYO=2,LV=3] [--json]`
 * (docs/design.md "The cardiac-uq command"): Dice, ASSD, HD and HD95 per slice z and structure, in mm
 * from the ground truth's pixdim. JSON: {"slices":[{"z":0,"LV":{"dice","assd","hd","hd95","status"},
 * "MYO":{…},"RV":{…}},…],"spacing_mm":[sx,sy]}; undefined values are null with a status.
 * Also holds the input helpers shared by the `uncertainty` and `qc` commands.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ACDC_LABELS, type LabelMap, type SpacingMm, STRUCTURES } from '../../engine/data/types';
import { InvalidInputError } from '../../engine/errors';
import { type NiftiVolume, readNifti, sliceOf } from '../../engine/io/nifti';
import {
  SegmentationMetricsWorkspace,
  type StructureMetrics,
  sliceMetrics,
} from '../../engine/metrics/segmentation-metrics';

/** Missing required options are bad input (exit 2), like unreadable files. */
export function requireOption(value: string | undefined, name: string): asserts value is string {
  if (value === undefined) throw new InvalidInputError('BAD_ARGUMENT', `missing required option ${name} (see --help)`);
}

/** Reads a whole input file; a missing or unreadable path is bad input (exit 2). */
export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InvalidInputError('FILE_NOT_FOUND', `${what} file not found: ${path}`);
    throw new InvalidInputError('BAD_ARGUMENT', `cannot read ${what} file ${path}: ${(error as Error).message}`);
  }
}

/** Reads a NIfTI file, prefixing format errors with which input it was. */
export function readNiftiFile(path: string, what: string): NiftiVolume {
  const bytes = readInputFile(path, what);
  try {
    return readNifti(bytes);
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(error.code, `${what} ${path}: ${error.message}`);
    throw error;
  }
}

/** "RV=1,MYO=2,LV=3" → label map; every structure once, distinct integers 1..255. */
export function parseLabelMap(text: string | undefined): LabelMap {
  if (text === undefined) return { ...ACDC_LABELS };
  const out: Partial<LabelMap> = {};
  for (const part of text.split(',')) {
    const m = /^\s*(LV|MYO|RV)\s*=\s*(\d+)\s*$/i.exec(part);
    if (!m)
      throw new InvalidInputError('BAD_ARGUMENT', `--labels: cannot read "${part}" (expected e.g. RV=1,MYO=2,LV=3)`);
    const name = m[1].toUpperCase() as keyof LabelMap;
    const value = Number(m[2]);
    if (out[name] !== undefined) throw new InvalidInputError('BAD_ARGUMENT', `--labels: ${name} given twice`);
    if (value < 1 || value > 255)
      throw new InvalidInputError('BAD_ARGUMENT', `--labels: ${name}=${value} must be 1..255 (0 is background)`);
    out[name] = value;
  }
  for (const s of STRUCTURES)
    if (out[s] === undefined) throw new InvalidInputError('BAD_ARGUMENT', `--labels: ${s} missing`);
  const map = out as LabelMap;
  if (new Set(STRUCTURES.map((s) => map[s])).size !== 3)
    throw new InvalidInputError('BAD_ARGUMENT', '--labels: values must differ');
  return map;
}

export function describeLabels(labels: LabelMap): string {
  return `0 background, ${STRUCTURES.map((s) => `${s}=${labels[s]}`).join(', ')}`;
}

/**
 * Converts a row-major slice of label values to bytes, refusing anything that is not 0 or a value
 * of the label map.
 */
export function labelImage(
  data: Float32Array,
  cols: number,
  labels: LabelMap,
  what: string,
  out = new Uint8Array(data.length),
): Uint8Array {
  // A table over the byte values, not a Set: this runs once per voxel.
  const allowed = new Uint8Array(256);
  for (const value of [0, ...STRUCTURES.map((s) => labels[s])]) allowed[value] = 1; // parseLabelMap: 1..255
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const byte = v & 255;
    if (byte !== v || allowed[byte] === 0) {
      throw new InvalidInputError(
        'BAD_LABEL',
        `${what}: value ${v} at (x=${Math.floor(i / cols)}, y=${i % cols}) is not in the label map (${describeLabels(labels)})`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Refuses 4-D volumes with more than one frame. */
export function volumeDepth(vol: NiftiVolume, what: string): number {
  if ((vol.dims[3] ?? 1) !== 1) {
    throw new InvalidInputError('BAD_SHAPE', `${what} has ${vol.dims[3]} frames; pass a 3-D volume (one frame)`);
  }
  return vol.dims[2] ?? 1;
}

const fmt = (v: number | null, digits = 3) => (v === null ? '–' : v.toFixed(digits));

export interface MetricsOptions {
  pred: string;
  gt: string;
  labels?: string;
  json?: boolean;
}

function structureJson(m: StructureMetrics) {
  return { dice: m.dice, assd: m.assdMm, hd: m.hdMm, hd95: m.hd95Mm, status: m.status };
}

export function runMetrics(options: MetricsOptions): string {
  requireOption(options.pred, '--pred');
  requireOption(options.gt, '--gt');
  const labels = parseLabelMap(options.labels);
  const pred = readNiftiFile(options.pred, 'prediction');
  const gt = readNiftiFile(options.gt, 'ground truth');
  const nzPred = volumeDepth(pred, 'prediction');
  const nz = volumeDepth(gt, 'ground truth');
  if (pred.dims[0] !== gt.dims[0] || pred.dims[1] !== gt.dims[1] || nzPred !== nz) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `prediction is ${pred.dims.slice(0, 3).join('×')} but ground truth is ${gt.dims.slice(0, 3).join('×')}`,
    );
  }
  const spacing: SpacingMm = [gt.spacingMm[0], gt.spacingMm[1]];
  if (pred.spacingMm.slice(0, 2).some((s, i) => Math.abs(s - spacing[i]) > 1e-4 * spacing[i])) {
    console.error(
      `cardiac-uq: warning: prediction pixdim ${pred.spacingMm.slice(0, 2).join(',')} differs from ground truth ${spacing.join(',')}; using the ground truth's`,
    );
  }
  const [rows, cols] = [gt.dims[0], gt.dims[1]];
  const ws = new SegmentationMetricsWorkspace(rows, cols);
  const slices = [];
  // One set of slice buffers for the whole volume: a fresh 256² slice a time costs more in page
  // faults than the copy itself.
  const values = new Float32Array(rows * cols);
  const [predSlice, gtSlice] = [new Uint8Array(rows * cols), new Uint8Array(rows * cols)];
  for (let z = 0; z < nz; z++) {
    const p = labelImage(sliceOf(pred, z, 0, values).data, cols, labels, `prediction slice z=${z}`, predSlice);
    const g = labelImage(sliceOf(gt, z, 0, values).data, cols, labels, `ground truth slice z=${z}`, gtSlice);
    const m = sliceMetrics(p, g, rows, cols, spacing, labels, ws);
    slices.push({ z, LV: m.LV, MYO: m.MYO, RV: m.RV });
  }
  if (options.json) {
    return JSON.stringify({
      slices: slices.map((s) => ({
        z: s.z,
        LV: structureJson(s.LV),
        MYO: structureJson(s.MYO),
        RV: structureJson(s.RV),
      })),
      spacing_mm: spacing,
    });
  }
  const lines = [
    `spacing ${spacing[0]} × ${spacing[1]} mm, labels ${describeLabels(labels)}; distances in mm, – = undefined`,
    ['z'.padStart(3), ...STRUCTURES.map((s) => `${s} dice   assd     hd   hd95`.padStart(29))].join(' |'),
  ];
  for (const s of slices) {
    lines.push(
      [
        String(s.z).padStart(3),
        ...STRUCTURES.map((k) =>
          [fmt(s[k].dice), fmt(s[k].assdMm, 2), fmt(s[k].hdMm, 2), fmt(s[k].hd95Mm, 2)]
            .map((v) => v.padStart(6))
            .join(' ')
            .padStart(29),
        ),
      ].join(' |'),
    );
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('metrics')
    .description(
      'Dice, ASSD, HD and HD95 (mm) per slice and structure between a predicted and a ground-truth label volume',
    )
    .option('--pred <file>', '(required) predicted label volume (.nii or .nii.gz)')
    .option('--gt <file>', '(required) ground-truth label volume (.nii or .nii.gz); its pixdim gives the spacing')
    .option('--labels <map>', 'label value of each structure', 'RV=1,MYO=2,LV=3')
    .option('--json', 'print JSON: {"slices":[{"z","LV":{"dice","assd","hd","hd95","status"},"MYO","RV"}]}')
    .addHelpText(
      'after',
      '\nBoth empty: dice 1, assd/hd/hd95 0 (BOTH_EMPTY). One empty: dice 0, distances null (PRED_EMPTY/GT_EMPTY).\n' +
        'HD95: 95th percentile of the pooled directed boundary distances (linear interpolation).',
    )
    .action((options: MetricsOptions) => {
      process.stdout.write(runMetrics(options) + '\n');
    });
}
