/**
 * An inference's results as files, per subject and phase (docs/design.md "Exporting results"):
 * `<subject>_<phase>_seg.nii.gz` (the mean segmentation, uint8, in the dataset's label values:
 * domain/dataset-labels.ts),
 * `_entropy.nii.gz` and `_mi.nii.gz` (float32 nats, as stored: quantised to ≈ 0.005 nats), all in
 * the input file's header, and `_qc.json` / `_qc.csv` with the per-slice flags. The HTTP download
 * route and `cardiac-uq export` both build their files here.
 */
import type { Phase } from '../db/generated/enums';
import type { Store } from '../db/client';
import { isUuid } from '../db/ids';
import { datasetLabels } from '../domain/dataset-labels';
import { sliceDecisions } from '../domain/policy-rules';
import { STRUCTURES } from '../engine/data/types';
import type { NiftiGeometry } from '../engine/io/nifti';
import { flagsCsv, flagsJsonSlices, type SliceFlags } from '../engine/io/qc-flags-table';
import {
  FALLBACK_SLICE_SPACING_MM,
  floatVolume,
  type IndexedMap,
  segmentationVolume,
  type VolumeGrid,
} from '../engine/io/volume-export';
import { unpackLabels, unpackNatsMap } from '../store/map-codec';
import {
  type ExportUnit,
  exportUnits,
  type InferenceProvenance,
  inferenceProvenance,
  stackResults,
} from '../store/inference-export';
import { LaunchError, notFound } from './errors';

export const EXPORT_KINDS = ['seg.nii.gz', 'entropy.nii.gz', 'mi.nii.gz', 'qc.json', 'qc.csv'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const CONTENT_TYPES: Record<ExportKind, string> = {
  'seg.nii.gz': 'application/gzip',
  'entropy.nii.gz': 'application/gzip',
  'mi.nii.gz': 'application/gzip',
  'qc.json': 'application/json',
  'qc.csv': 'text/csv; charset=utf-8',
};

export const isExportKind = (kind: string): kind is ExportKind => (EXPORT_KINDS as readonly string[]).includes(kind);

export const exportFileName = (unit: Pick<ExportUnit, 'externalId' | 'phase'>, kind: ExportKind) =>
  `${unit.externalId}_${unit.phase}_${kind}`;

/** The path of a file on the API server (src/server/downloads.ts), under the same keys as /graphql. */
export const downloadPath = (inferenceId: string, unit: Pick<ExportUnit, 'subjectId' | 'phase'>, kind: ExportKind) =>
  `/files/inference/${inferenceId}/subject/${unit.subjectId}/${unit.phase}/${kind}`;

/** Per subject-phase stack the five files' names and download paths (for the dashboard). */
export async function downloadsOf(store: Store, inferenceId: string) {
  const units = await exportUnits(store, inferenceId);
  return units.map((unit) => ({
    ...unit,
    files: EXPORT_KINDS.map((kind) => ({
      kind,
      fileName: exportFileName(unit, kind),
      path: downloadPath(inferenceId, unit, kind),
    })),
  }));
}

export interface ExportFile {
  name: string;
  kind: ExportKind;
  bytes: Uint8Array;
}

/** The inference, refused NOT_FOUND when unknown and CONFLICT before it has finished. */
export async function exportableInference(store: Store, inferenceId: string): Promise<InferenceProvenance> {
  const inference = isUuid(inferenceId) ? await inferenceProvenance(store, inferenceId) : null;
  if (!inference) throw notFound('inference', inferenceId);
  if (inference.run.status !== 'SUCCEEDED')
    throw new LaunchError(
      'CONFLICT',
      `inference ${inferenceId} has not succeeded (${inference.run.status}): nothing to export yet`,
    );
  return inference;
}

export { exportUnits };

/** The stack of one subject and phase, NOT_FOUND when the inference does not cover it. */
export async function exportUnit(store: Store, inferenceId: string, subjectId: string, phase: Phase) {
  const units = isUuid(subjectId) ? await exportUnits(store, inferenceId, subjectId) : [];
  const unit = units.find((u) => u.phase === phase);
  if (!unit)
    throw new LaunchError('NOT_FOUND', `inference ${inferenceId} has no ${phase} slices of subject ${subjectId}`);
  return unit;
}

const finite = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);

/** All five files of one stack (or only `kinds`). */
export async function exportStack(
  store: Store,
  inference: InferenceProvenance,
  unit: ExportUnit,
  kinds: readonly ExportKind[] = EXPORT_KINDS,
): Promise<ExportFile[]> {
  const { slices, volume } = await stackResults(store, inference.id, unit);
  const labels = datasetLabels(inference.dataset);
  const first = slices[0].slice;
  const grid: VolumeGrid = {
    rows: first.rows,
    cols: first.cols,
    slices: first.sliceCount,
    spacingMm: [first.spacingXMm, first.spacingYMm],
  };
  const geometry = volume ? (volume.geometry as unknown as NiftiGeometry) : null;
  const maps = (pick: (s: (typeof slices)[number]) => ArrayLike<number>): IndexedMap[] =>
    slices.map((s) => ({ z: s.slice.sliceIndex, data: pick(s) }));
  const flags = (): SliceFlags[] =>
    slices.map((s) => {
      const byStructure = new Map(s.structures.map((m) => [m.structure, m]));
      return {
        z: s.slice.sliceIndex,
        phase: unit.phase,
        entropy: s.entropy,
        mi: s.mi,
        structures: Object.fromEntries(
          STRUCTURES.map((k) => {
            const m = byStructure.get(k);
            return [k, { diceWithin: m?.diceWithin ?? null, assdWithinMm: m?.assdWithinMm ?? null }];
          }),
        ) as SliceFlags['structures'],
        flag: s.flagged,
        reasons: (sliceDecisions(s) ?? [])
          .filter((d) => d.flagged)
          .map((d) => ({
            structure: d.structure,
            measure: d.measure,
            value: finite(d.value),
            threshold: finite(d.threshold),
          })),
      };
    });
  const qcJson = () => {
    const rows = flags();
    return {
      inference: inference.id,
      run: inference.runId,
      subject: unit.externalId,
      phase: unit.phase,
      slices: flagsJsonSlices(rows),
      flagged: inference.policy ? rows.filter((r) => r.flag).length : null,
      policy: inference.policy,
      samples: inference.samples,
      checkpoint_sha256: inference.checkpoints
        .map((c) => c.checkpoint)
        .sort((a, b) => a.member - b.member)
        .map((c) => c.weightsSha256)
        .join(','),
      code_version: inference.run.codeVersion,
      backend: inference.run.backend,
      labels,
      geometry: volume
        ? { source: 'input', file: volume.sourceFile, frame: volume.frame }
        : {
            source: 'slice spacing',
            note: `no header was stored for this volume: identity orientation, in-plane spacing ${grid.spacingMm.join(' × ')} mm from the slices, ${FALLBACK_SLICE_SPACING_MM} mm between slices (not stored)`,
          },
    };
  };
  const build: Record<ExportKind, () => Uint8Array | string> = {
    'seg.nii.gz': () =>
      segmentationVolume(
        maps((s) => unpackLabels(s.labelMap)),
        grid,
        geometry,
        labels,
      ),
    'entropy.nii.gz': () =>
      floatVolume(
        maps((s) => unpackNatsMap(s.entropyMap)),
        grid,
        geometry,
      ),
    'mi.nii.gz': () =>
      floatVolume(
        maps((s) => unpackNatsMap(s.miMap)),
        grid,
        geometry,
      ),
    'qc.json': () => JSON.stringify(qcJson(), null, 1) + '\n',
    'qc.csv': () => flagsCsv(flags()),
  };
  return kinds.map((kind) => {
    const content = build[kind]();
    return {
      kind,
      name: exportFileName(unit, kind),
      bytes: typeof content === 'string' ? new TextEncoder().encode(content) : content,
    };
  });
}
