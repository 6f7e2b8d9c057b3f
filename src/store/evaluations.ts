/** Evaluation rows: a new evaluation, linked to the checkpoints it uses, with its audit event. */
import type { DistortionKind, Split } from '../db/generated/enums';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { DEFAULT_CALIBRATION_BINS } from '../engine/metrics/calibration';
import { METRIC_VERSION } from '../engine/metrics/slice-evaluation';
import { LAUNCH_TX } from './runs';

export interface NewEvaluation {
  runId: string;
  trainingRunId: string;
  datasetId: string;
  split?: Split;
  distortion: { kind: DistortionKind; level: number };
  samples: number;
  storeSamples: boolean;
}

/** Creates the evaluation over every checkpoint of its training run, at the current metric version. */
export async function createEvaluation(store: Store, actor: string, e: NewEvaluation) {
  const checkpoints = await store.checkpoint.findMany({ where: { runId: e.trainingRunId }, select: { id: true } });
  return store.$transaction(async (tx) => {
    const created = await tx.evaluation.create({
      data: {
        runId: e.runId,
        trainingRunId: e.trainingRunId,
        datasetId: e.datasetId,
        split: e.split,
        distortionKind: e.distortion.kind,
        distortionLevel: e.distortion.level,
        samples: e.samples,
        storeSamples: e.storeSamples,
        calibrationBins: DEFAULT_CALIBRATION_BINS,
        metricVersion: METRIC_VERSION,
        checkpoints: { create: checkpoints.map((c) => ({ checkpointId: c.id })) },
      },
    });
    await appendAudit(tx, {
      actor,
      action: 'evaluation.created',
      entity: 'Evaluation',
      entityId: created.id,
      details: { runId: e.runId, trainingRunId: e.trainingRunId, checkpoints: checkpoints.map((c) => c.id) },
    });
    return created;
  }, LAUNCH_TX);
}
