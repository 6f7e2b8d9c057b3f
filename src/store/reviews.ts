/**
 * Review decisions in the store (docs/design.md "Review"): a Review row, the SliceLabel rows it
 * supplies and its audit event, written in one transaction. The first ground truth of a slice wins:
 * SliceLabel's primary key is the slice, so of two reviews racing for one slice the second fails on
 * the key (Prisma P2002) and its transaction writes nothing.
 */
import crypto from 'node:crypto';
import type { LabelSource, Phase, ReviewDecision } from '../db/generated/enums';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import { LAUNCH_TX } from './runs';
import { labelledSliceHash } from './slice-labels';

/** An inference slice as a review reads it: where it sits, whether it has ground truth, its mean label map. */
export interface ReviewedSlice {
  sliceId: string;
  subjectId: string;
  phase: Phase;
  sliceIndex: number;
  sliceCount: number;
  rows: number;
  cols: number;
  spacingXMm: number;
  spacingYMm: number;
  image: Uint8Array;
  /** Slice.label (imported) or a SliceLabel exists. */
  labelled: boolean;
  /** The inference's mean label map, deflated (map-codec.ts). */
  labelMap: Uint8Array;
}

/** The inference's slices a decision covers: one slice, or every slice of a subject (both phases). */
export async function reviewedSlices(
  store: Store,
  inferenceId: string,
  scope: { sliceId: string } | { subjectId: string },
): Promise<ReviewedSlice[]> {
  const rows = await store.inferenceSlice.findMany({
    where: {
      inferenceId,
      ...('sliceId' in scope ? { sliceId: scope.sliceId } : { slice: { subjectId: scope.subjectId } }),
    },
    select: {
      labelMap: true,
      slice: {
        select: {
          id: true,
          subjectId: true,
          phase: true,
          sliceIndex: true,
          sliceCount: true,
          rows: true,
          cols: true,
          spacingXMm: true,
          spacingYMm: true,
          image: true,
          label: true,
          attachedLabel: { select: { sliceId: true } },
        },
      },
    },
  });
  return rows
    .map(({ labelMap, slice }) => ({
      sliceId: slice.id,
      subjectId: slice.subjectId,
      phase: slice.phase,
      sliceIndex: slice.sliceIndex,
      sliceCount: slice.sliceCount,
      rows: slice.rows,
      cols: slice.cols,
      spacingXMm: slice.spacingXMm,
      spacingYMm: slice.spacingYMm,
      image: slice.image,
      labelled: slice.label !== null || slice.attachedLabel !== null,
      labelMap,
    }))
    .sort((a, b) => a.phase.localeCompare(b.phase) || a.sliceIndex - b.sliceIndex);
}

export interface NewReview {
  inferenceId: string;
  subjectId: string;
  /** null: the decision covers the subject. */
  sliceId: string | null;
  decision: ReviewDecision;
  comment: string | null;
  reviewer: string;
  codeVersion: string;
  /** The ground truth the decision supplies, one label (class indices) per slice. */
  labels: Array<{ slice: ReviewedSlice; label: Uint8Array }>;
  /** Slices the decision covered that had ground truth already (subject-wide acceptances only). */
  skipped: string[];
}

/** SHA-256 over the labels a decision supplies, slice by slice in order (the audit event's digest). */
function labelsDigest(labels: NewReview['labels']): string {
  const hash = crypto.createHash('sha256');
  for (const { slice, label } of labels) hash.update(`${slice.sliceId}\n`).update(label);
  return hash.digest('hex');
}

const SOURCE: Record<ReviewDecision, LabelSource> = { ACCEPT: 'REVIEW_ACCEPTED', CORRECT: 'REVIEW_CORRECTED' };

/** Writes the review, its SliceLabels and the `review.recorded` audit event; returns the review's id. */
export async function recordReview(store: Store, input: NewReview): Promise<string> {
  const labelRows = input.labels.map(({ slice, label }) => ({
    sliceId: slice.sliceId,
    label: Buffer.from(label),
    contentHash: labelledSliceHash(slice, label),
  }));
  return store.$transaction(async (tx) => {
    const review = await tx.review.create({
      data: {
        inferenceId: input.inferenceId,
        subjectId: input.subjectId,
        sliceId: input.sliceId,
        decision: input.decision,
        comment: input.comment,
        reviewer: input.reviewer,
        codeVersion: input.codeVersion,
      },
    });
    await tx.sliceLabel.createMany({
      data: labelRows.map((row) => ({
        ...row,
        source: SOURCE[input.decision],
        reviewId: review.id,
        createdBy: input.reviewer,
      })),
    });
    await appendAudit(tx, {
      actor: input.reviewer,
      action: 'review.recorded',
      entity: 'Review',
      entityId: review.id,
      details: {
        inferenceId: input.inferenceId,
        subjectId: input.subjectId,
        sliceId: input.sliceId,
        decision: input.decision,
        labelsSha256: labelsDigest(input.labels),
        labels: labelRows.map((r) => ({ sliceId: r.sliceId, contentHash: r.contentHash })),
        skipped: input.skipped,
        codeVersion: input.codeVersion,
      },
    });
    return review.id;
  }, LAUNCH_TX);
}

/** Review columns the API returns. */
export const REVIEW_FIELDS = {
  id: true,
  inferenceId: true,
  subjectId: true,
  sliceId: true,
  decision: true,
  comment: true,
  reviewer: true,
  codeVersion: true,
  createdAt: true,
} as const;

export function reviewsOf(store: Store, inferenceId: string) {
  return store.review.findMany({
    where: { inferenceId },
    select: REVIEW_FIELDS,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** Where a slice's ground truth came from, and who gave it after import. */
export interface GroundTruthOrigin {
  /** IMPORTED (Slice.label), a SliceLabel's source, or null: none yet. */
  groundTruth: 'IMPORTED' | LabelSource | null;
  /** The review that gave it. */
  reviewId: string | null;
  labelledBy: string | null;
}

/** Each slice's ground-truth origin, in id order, in two statements (the label bytes stay unread). */
export async function groundTruthOrigins(store: Store, sliceIds: readonly string[]): Promise<GroundTruthOrigin[]> {
  const ids = [...sliceIds];
  const [imported, attached] = await Promise.all([
    store.slice.findMany({ where: { id: { in: ids }, label: { not: null } }, select: { id: true } }),
    store.sliceLabel.findMany({
      where: { sliceId: { in: ids } },
      select: { sliceId: true, source: true, reviewId: true, createdBy: true },
    }),
  ]);
  const importedIds = new Set(imported.map((s) => s.id));
  const later = new Map(attached.map((l) => [l.sliceId, l]));
  return ids.map((id) => {
    if (importedIds.has(id)) return { groundTruth: 'IMPORTED', reviewId: null, labelledBy: null };
    const l = later.get(id);
    return l
      ? { groundTruth: l.source, reviewId: l.reviewId, labelledBy: l.createdBy }
      : { groundTruth: null, reviewId: null, labelledBy: null };
  });
}

/** Per slice of the inference: its place, the policy's flag and its ground truth's origin. */
export async function reviewStatus(store: Store, inferenceId: string, subjectId?: string) {
  const rows = await store.inferenceSlice.findMany({
    where: { inferenceId, ...(subjectId ? { slice: { subjectId } } : {}) },
    select: { sliceId: true, flagged: true, slice: { select: { subjectId: true, phase: true, sliceIndex: true } } },
  });
  const origins = await groundTruthOrigins(
    store,
    rows.map((r) => r.sliceId),
  );
  return rows
    .map((r, i) => ({
      sliceId: r.sliceId,
      subjectId: r.slice.subjectId,
      phase: r.slice.phase,
      sliceIndex: r.slice.sliceIndex,
      flagged: r.flagged,
      ...origins[i],
    }))
    .sort(
      (a, b) => a.subjectId.localeCompare(b.subjectId) || a.phase.localeCompare(b.phase) || a.sliceIndex - b.sliceIndex,
    );
}
