/**
 * What the NIfTI export reads of an inference (docs/design.md "Exporting results"): its provenance,
 * the subject-phase stacks it covers, and per stack the slices' stored maps, values and decisions
 * with the image file's geometry (VolumeGeometry) when the import kept it.
 */
import type { Phase } from '../db/generated/enums';
import type { Store } from '../db/client';

export async function inferenceProvenance(store: Store, inferenceId: string) {
  return store.inference.findUnique({
    where: { id: inferenceId },
    select: {
      id: true,
      runId: true,
      datasetId: true,
      dataset: { select: { id: true, generatorParams: true } },
      samples: true,
      createdAt: true,
      trainingRunId: true,
      run: { select: { status: true, codeVersion: true, createdBy: true, backend: true, seed: true } },
      policy: { select: { id: true, name: true } },
      checkpoints: { select: { checkpoint: { select: { member: true, weightsSha256: true } } } },
    },
  });
}

export type InferenceProvenance = NonNullable<Awaited<ReturnType<typeof inferenceProvenance>>>;

/** One subject-phase stack the inference covers. */
export interface ExportUnit {
  subjectId: string;
  externalId: string;
  phase: Phase;
}

/** The inference's subject-phase stacks, by subject name then phase. */
export async function exportUnits(store: Store, inferenceId: string, subjectId?: string): Promise<ExportUnit[]> {
  const rows = await store.slice.findMany({
    where: { inferences: { some: { inferenceId } }, ...(subjectId ? { subjectId } : {}) },
    distinct: ['subjectId', 'phase'],
    select: { subjectId: true, phase: true, subject: { select: { externalId: true } } },
  });
  return rows
    .map((r) => ({ subjectId: r.subjectId, externalId: r.subject.externalId, phase: r.phase }))
    .sort((a, b) => a.externalId.localeCompare(b.externalId) || a.phase.localeCompare(b.phase));
}

/** The inference's slices of one stack with their maps, in slice order, and the stack's geometry. */
export async function stackResults(store: Store, inferenceId: string, unit: { subjectId: string; phase: Phase }) {
  const [slices, volume] = await Promise.all([
    store.inferenceSlice.findMany({
      where: { inferenceId, slice: { subjectId: unit.subjectId, phase: unit.phase } },
      select: {
        id: true,
        labelMap: true,
        entropyMap: true,
        miMap: true,
        entropy: true,
        mi: true,
        flagged: true,
        decisions: true,
        slice: {
          select: { sliceIndex: true, sliceCount: true, rows: true, cols: true, spacingXMm: true, spacingYMm: true },
        },
        structures: { select: { structure: true, diceWithin: true, assdWithinMm: true } },
      },
      orderBy: { slice: { sliceIndex: 'asc' } },
    }),
    store.volumeGeometry.findUnique({
      where: { subjectId_phase: { subjectId: unit.subjectId, phase: unit.phase } },
      select: { sourceFile: true, frame: true, geometry: true },
    }),
  ]);
  return { slices, volume };
}
