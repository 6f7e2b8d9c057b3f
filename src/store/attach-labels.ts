/**
 * Ground truth that arrives after import (docs/design.md "Importing data"): label files read for
 * a dataset imported without them become SliceLabel rows (source ATTACHED), all or nothing, in one
 * transaction with an audit event. Each label must fit its slice (same subject and phase, as many
 * slices, same rows × cols: BAD_SHAPE otherwise) and the slice must have no ground truth yet
 * (LABEL_CONFLICT otherwise, also when a concurrent attach or review got there first). Each row's
 * content hash is the hash the slice would have had if imported with that label.
 */
import crypto from 'node:crypto';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { InvalidInputError } from '../engine/errors';
import type { PhaseLabels } from '../engine/io/read-subjects';
import { labelledSliceHash } from './slice-labels';

export interface AttachLabels {
  datasetId: string;
  labels: PhaseLabels[];
  /** Where the labels came from, for the audit event. */
  source: { folder: string; layout: string };
  createdBy: string;
}

export interface AttachedLabels {
  slices: number;
  subjects: number;
}

const isUniqueViolation = (error: unknown) => (error as { code?: string } | null)?.code === 'P2002';

export async function attachLabels(store: Store, input: AttachLabels): Promise<AttachedLabels> {
  if (input.labels.length === 0) throw new InvalidInputError('BAD_FORMAT', 'no label files found');
  const digest = crypto.createHash('sha256');
  let slices = 0;
  try {
    await store.$transaction(
      async (tx) => {
        for (const phase of input.labels) {
          const where = `${phase.labelFile} (subject ${phase.subjectId}, ${phase.phase})`;
          const subject = await tx.subject.findUnique({
            where: { datasetId_externalId: { datasetId: input.datasetId, externalId: phase.subjectId } },
            select: { id: true },
          });
          if (!subject) throw new InvalidInputError('BAD_ARGUMENT', `${where}: the dataset has no such subject`);
          const rows = await tx.slice.findMany({
            where: { subjectId: subject.id, phase: phase.phase },
            select: {
              id: true,
              rows: true,
              cols: true,
              spacingXMm: true,
              spacingYMm: true,
              image: true,
              label: true,
              attachedLabel: { select: { sliceId: true } },
            },
            orderBy: { sliceIndex: 'asc' },
          });
          const first = rows[0];
          if (
            rows.length !== phase.slices.length ||
            first === undefined ||
            first.rows !== phase.rows ||
            first.cols !== phase.cols
          ) {
            throw new InvalidInputError(
              'BAD_SHAPE',
              `${where}: ${phase.slices.length} slices of ${phase.rows}×${phase.cols}, ` +
                `the stored phase has ${rows.length}${first ? ` of ${first.rows}×${first.cols}` : ''}`,
            );
          }
          const labelled = rows.filter((r) => r.label !== null || r.attachedLabel !== null).length;
          if (labelled > 0)
            throw new InvalidInputError(
              'LABEL_CONFLICT',
              `${where}: ${labelled} of its slices already have ground truth`,
            );
          const data = rows.map((row, z) => {
            const label = phase.slices[z];
            const contentHash = labelledSliceHash(row, label);
            digest.update(`${row.id} ${contentHash}\n`);
            return {
              sliceId: row.id,
              label: new Uint8Array(label),
              source: 'ATTACHED' as const,
              contentHash,
              createdBy: input.createdBy,
            };
          });
          await tx.sliceLabel.createMany({ data });
          slices += data.length;
        }
        await appendAudit(tx, {
          actor: input.createdBy,
          action: 'dataset.labels-attached',
          entity: 'Dataset',
          entityId: input.datasetId,
          details: {
            ...input.source,
            slices,
            phases: input.labels.length,
            subjects: new Set(input.labels.map((l) => l.subjectId)).size,
            labelsHash: digest.digest('hex'),
          },
        });
      },
      { timeout: 120000, maxWait: 30000 },
    );
  } catch (error) {
    if (isUniqueViolation(error))
      throw new InvalidInputError(
        'LABEL_CONFLICT',
        'some of these slices gained ground truth meanwhile (another attach or a review)',
      );
    throw error;
  }
  return { slices, subjects: new Set(input.labels.map((l) => l.subjectId)).size };
}
