/**
 * A finished inference in a migrated store (no network, no jobs), for the review loop, the promise
 * check and the NIfTI export: a dataset of `subjects` subjects × phases × `slices` small slices
 * (rows × cols), some imported without ground truth, a SUCCEEDED INFER run, and the Inference and
 * its results written by the platform's own writers (createInference, writeInferenceShard: one
 * shard) from per-slice results the caller gives (mean label map, flags; entropy and MI maps of a
 * fixed pattern); optionally a policy and the image files' geometry.
 */
import crypto from 'node:crypto';
import type { Store } from '../../src/db/client';
import type { SliceInference } from '../../src/engine/inference/slice-inference';
import type { NiftiGeometry } from '../../src/engine/io/nifti';
import type { UncertaintySummary } from '../../src/engine/metrics/uncertainty-summary';
import { createInference, writeInferenceShard } from '../../src/store/inferences';
import { seedSyntheticStudy } from './synthetic-store';

export interface FixtureSlice {
  subject: number;
  phase: 'ED' | 'ES';
  z: number;
  sliceId: string;
  /** Imported ground truth (class indices) or null. */
  label: Uint8Array | null;
  /** The inference's mean label map (class indices). */
  mean: Uint8Array;
}

export interface InferenceFixture {
  datasetId: string;
  inferenceId: string;
  policyId: string | null;
  subjectIds: string[];
  slices: FixtureSlice[];
}

export async function seedInference(
  store: Store,
  options: {
    subjects?: number;
    phases?: ReadonlyArray<'ED' | 'ES'>;
    slices?: number;
    rows?: number;
    cols?: number;
    spacingMm?: [number, number];
    /** Ground truth imported with the slice; null: none. */
    label?: (s: { subject: number; phase: string; z: number }) => Uint8Array | null;
    /** The inference's mean label map. */
    mean: (s: { subject: number; phase: string; z: number }) => Uint8Array;
    /** The policy's flag per slice; undefined: no policy. */
    flagged?: (s: { subject: number; phase: string; z: number }) => boolean;
    /** The policy's rule structures (one ENTROPY rule each), with flagged. */
    ruleStructures?: ReadonlyArray<'LV' | 'MYO' | 'RV'>;
    geometry?: (phase: string) => { geometry: NiftiGeometry; frame: number | null } | null;
    /** The dataset's label values, recorded as an import records them; none: ACDC's. */
    labels?: { RV: number; MYO: number; LV: number };
  },
): Promise<InferenceFixture> {
  const subjects = options.subjects ?? 1;
  const phases = options.phases ?? ['ED'];
  const perPhase = options.slices ?? 2;
  const rows = options.rows ?? 4;
  const cols = options.cols ?? 5;
  const [sx, sy] = options.spacingMm ?? [1.5, 1.25];
  const study = await seedSyntheticStudy(store, { subjects: 2, slicesPerSubject: 1, size: 4, predictions: false });
  const tag = crypto.randomBytes(4).toString('hex');
  const dataset = await store.dataset.create({
    data: {
      name: `inference-${tag}`,
      source: 'NIFTI',
      site: 'B',
      contentHash: tag,
      createdBy: 'seed',
      generatorParams: options.labels ? { layout: 'MNMS', labels: options.labels } : undefined,
    },
  });
  let policyId: string | null = null;
  if (options.flagged) {
    const policy = await store.policy.create({
      data: {
        name: `policy-${tag}`,
        evaluationId: study.evaluationId,
        trainingRunId: study.trainingRunId,
        targetKind: 'POOR_LEFT',
        target: 0.1,
        rules: (options.ruleStructures ?? ['LV']).map((structure) => ({
          structure,
          measure: 'ENTROPY',
          threshold: 0.5,
        })),
        cases: 40,
        reviewFraction: 0.3,
        reviewFractionLow: 0.2,
        reviewFractionHigh: 0.4,
        poorLeft: 0.1,
        poorLeftLow: 0.05,
        poorLeftHigh: 0.15,
        bootstrap: { resamples: 100, seed: 0, level: 0.95, unit: 'subject' },
        codeVersion: 'seed',
        createdBy: 'seed',
      },
    });
    policyId = policy.id;
  }
  const run = await store.run.create({
    data: {
      kind: 'INFER',
      method: 'MC_DROPOUT',
      config: { samples: 5 },
      seed: 3,
      status: 'SUCCEEDED',
      progress: 1,
      codeVersion: 'seed',
      createdBy: 'seed',
      datasetId: dataset.id,
    },
  });
  const inference = await createInference(store, 'seed', {
    runId: run.id,
    trainingRunId: study.trainingRunId,
    checkpointIds: [study.checkpointId],
    datasetId: dataset.id,
    policyId,
    samples: 5,
  });
  const results: Array<{ sliceId: string; result: SliceInference }> = [];

  const slices: FixtureSlice[] = [];
  const subjectIds: string[] = [];
  for (let s = 0; s < subjects; s++) {
    const subject = await store.subject.create({
      data: { datasetId: dataset.id, externalId: `patient${101 + s}`, split: 'TEST', group: 'NOR' },
    });
    subjectIds.push(subject.id);
    for (const phase of phases) {
      const g = options.geometry?.(phase);
      if (g)
        await store.volumeGeometry.create({
          data: {
            subjectId: subject.id,
            phase,
            sourceFile: `patient${101 + s}/${phase}.nii.gz`,
            frame: g.frame,
            geometry: { ...g.geometry },
          },
        });
      for (let z = 0; z < perPhase; z++) {
        const at = { subject: s, phase, z };
        const label = options.label?.(at) ?? null;
        const slice = await store.slice.create({
          data: {
            subjectId: subject.id,
            phase,
            sliceIndex: z,
            sliceCount: perPhase,
            position: perPhase > 1 ? z / (perPhase - 1) : 0.5,
            spacingXMm: sx,
            spacingYMm: sy,
            rows,
            cols,
            image: Buffer.from(new Float32Array(rows * cols).map((_, i) => i + z).buffer),
            label: label ? Buffer.from(label) : null,
            contentHash: crypto.randomBytes(32).toString('hex'),
          },
        });
        const mean = options.mean(at);
        const flagged = options.flagged ? options.flagged(at) : null;
        const entropy = flagged ? 0.75 : 0.25;
        const pixels = rows * cols;
        // Pixel i of slice z: entropy i / 100 + z / 10 nats, MI half of it.
        const entropyMap = new Float64Array(pixels).map((_, i) => i / 100 + z / 10);
        const summary = {
          T: 5,
          entropy,
          mi: entropy / 2,
          calibration: null,
          structures: {
            LV: { diceWithin: 0.9, assdWithinMm: 0.5, assdPairs: 5 },
            MYO: { diceWithin: 0.8, assdWithinMm: 1.5, assdPairs: 5 },
            RV: { diceWithin: 0.7, assdWithinMm: null, assdPairs: 0 },
          },
          meanLabels: mean,
          sampleClassCounts: new Int32Array(5 * 4),
          entropyMap,
          miMap: entropyMap.map((h) => h / 2),
        } satisfies UncertaintySummary;
        const count = (c: number) => mean.filter((k) => k === c).length;
        results.push({
          sliceId: slice.id,
          result: {
            summary,
            pixels: { LV: count(3), MYO: count(2), RV: count(1) },
            samplePixels: Array.from({ length: 5 }, (_, t) => ({ LV: t, MYO: t + 1, RV: t + 2 })),
            flagged,
            decisions:
              flagged === null
                ? null
                : (options.ruleStructures ?? ['LV']).map((structure) => ({
                    structure,
                    measure: 'ENTROPY' as const,
                    threshold: 0.5,
                    value: entropy,
                    flagged,
                  })),
          },
        });
        slices.push({ ...at, phase, sliceId: slice.id, label, mean });
      }
    }
  }
  await writeInferenceShard(store, {
    runId: run.id,
    inferenceId: inference.id,
    shard: 0,
    actor: 'seed',
    backend: 'cpu',
    rows: results,
  });
  return { datasetId: dataset.id, inferenceId: inference.id, policyId, subjectIds, slices };
}
