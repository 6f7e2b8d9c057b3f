/**
 * The review loop (docs/design.md "Review"): a reviewer accepts an inference's segmentation of a
 * slice or of a whole subject, or corrects it; the decision becomes ground truth (SliceLabel) for
 * the slices that had none, so a later check of the policy's promise can use it.
 *
 * - Accept a slice: its SliceLabel is the inference's mean label map (REVIEW_ACCEPTED). Accept a
 *   subject: the same for every slice of the subject (both phases) still without ground truth;
 *   slices labelled already are left as they are and named in the audit event (`skipped`).
 * - Correct a slice: a base64 uint8 map of rows × cols class indices (0 background, 1 RV, 2 MYO,
 *   3 LV; row-major, rows = NIfTI x). Correct a subject: one base64 NIfTI (.nii or .nii.gz) per
 *   phase the inference holds for it, in the dataset's label values (domain/dataset-labels.ts:
 *   ACDC's RV 1, MYO 2, LV 3 unless the import recorded others), of exactly rows × cols × slices
 *   (REVIEW_CORRECTED).
 * - The first ground truth wins: a decision on a slice that has ground truth (imported, attached
 *   or reviewed) is refused CONFLICT with reason ALREADY_LABELLED and nothing is recorded; so is a
 *   subject acceptance with nothing left to label, and a subject correction touching any labelled
 *   slice. Bad input (wrong shape: BAD_SHAPE; values outside the classes or the label values:
 *   BAD_LABEL; not base64 or not NIfTI: BAD_FORMAT) is refused before anything is written.
 */
import { Prisma } from '../db/generated/client';
import type { Phase } from '../db/generated/enums';
import type { Store } from '../db/client';
import { isUuid } from '../db/ids';
import { datasetLabels } from '../domain/dataset-labels';
import { type LabelMap, NUM_CLASSES } from '../engine/data/types';
import { InvalidInputError } from '../engine/errors';
import { readNifti } from '../engine/io/nifti';
import { labelSlices } from '../engine/io/volume-slices';
import { unpackLabels } from '../store/map-codec';
import { recordReview, type ReviewedSlice, reviewedSlices } from '../store/reviews';
import { badInput, LaunchError, notFound } from './errors';

export interface Reviewer {
  store: Store;
  actor: string;
  /** The platform version recording the decision (provenance). */
  codeVersion: string;
}

export interface AcceptRequest {
  inferenceId: string;
  sliceId?: string | null;
  subjectId?: string | null;
  comment?: string | null;
}

export interface CorrectRequest extends AcceptRequest {
  /** base64 uint8 class indices of the slice (with sliceId). */
  labelMap?: string | null;
  /** base64 NIfTI label volumes, one per phase (with subjectId). */
  volumes?: Array<{ phase: Phase; nifti: string }> | null;
}

/** Refused decisions: the slice or subject has ground truth already. */
export const alreadyLabelled = (message: string) => new LaunchError('CONFLICT', message, 'sliceId', 'ALREADY_LABELLED');

const MAX_COMMENT = 2000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: string, what: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact))
    throw new InvalidInputError('BAD_FORMAT', `${what} is not base64`);
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** The slices the decision covers, after checking the ids; exactly one of slice and subject. */
async function coveredSlices(
  store: Store,
  request: AcceptRequest,
): Promise<{ slices: ReviewedSlice[]; subjectId: string; labels: LabelMap }> {
  const { inferenceId, sliceId, subjectId } = request;
  const inference = isUuid(inferenceId)
    ? await store.inference.findUnique({
        where: { id: inferenceId },
        select: { dataset: { select: { id: true, generatorParams: true } } },
      })
    : null;
  if (!inference) throw notFound('inference', inferenceId);
  if (!sliceId === !subjectId) throw badInput('name either a slice (sliceId) or a subject (subjectId)', 'sliceId');
  if (request.comment && request.comment.length > MAX_COMMENT)
    throw badInput(`a comment has at most ${MAX_COMMENT} characters`, 'comment');
  const id = (sliceId ?? subjectId) as string;
  const slices = isUuid(id) ? await reviewedSlices(store, inferenceId, sliceId ? { sliceId } : { subjectId: id }) : [];
  if (slices.length === 0)
    throw new LaunchError(
      'NOT_FOUND',
      `${sliceId ? 'slice' : 'subject'} ${id} is not in inference ${inferenceId}`,
      sliceId ? 'sliceId' : 'subjectId',
    );
  return { slices, subjectId: slices[0].subjectId, labels: datasetLabels(inference.dataset) };
}

function refuseLabelled(slices: readonly ReviewedSlice[]): void {
  const labelled = slices.filter((s) => s.labelled);
  if (labelled.length === 0) return;
  throw alreadyLabelled(
    `${labelled.length} of the ${slices.length} slices have ground truth already (${labelled
      .slice(0, 3)
      .map((s) => `${s.phase} z=${s.sliceIndex}`)
      .join(', ')}${labelled.length > 3 ? ', …' : ''}): the first ground truth wins; nothing was recorded`,
  );
}

async function record(
  reviewer: Reviewer,
  request: AcceptRequest,
  input: Omit<Parameters<typeof recordReview>[1], 'inferenceId' | 'reviewer' | 'comment' | 'codeVersion'>,
) {
  try {
    return await recordReview(reviewer.store, {
      ...input,
      inferenceId: request.inferenceId,
      comment: request.comment?.trim() || null,
      reviewer: reviewer.actor,
      codeVersion: reviewer.codeVersion,
    });
  } catch (error) {
    // Another decision labelled one of the slices between our check and our write.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
      throw alreadyLabelled('another decision gave one of these slices its ground truth first; nothing was recorded');
    throw error;
  }
}

/** Accepts the inference's segmentation of a slice or a subject; returns the review's id. */
export async function acceptReview(reviewer: Reviewer, request: AcceptRequest): Promise<string> {
  const { slices, subjectId } = await coveredSlices(reviewer.store, request);
  const open = slices.filter((s) => !s.labelled);
  if (request.sliceId || open.length === 0) refuseLabelled(slices);
  return record(reviewer, request, {
    subjectId,
    sliceId: request.sliceId ?? null,
    decision: 'ACCEPT',
    labels: open.map((slice) => ({ slice, label: unpackLabels(slice.labelMap) })),
    skipped: slices.filter((s) => s.labelled).map((s) => s.sliceId),
  });
}

/** One slice's corrected class indices from a base64 uint8 map. */
function sliceCorrection(slice: ReviewedSlice, labelMap: string): Uint8Array {
  const label = decodeBase64(labelMap, 'labelMap');
  if (label.length !== slice.rows * slice.cols)
    throw new InvalidInputError(
      'BAD_SHAPE',
      `labelMap has ${label.length} values; the slice is ${slice.rows} × ${slice.cols} = ${slice.rows * slice.cols}`,
    );
  const bad = label.findIndex((c) => c >= NUM_CLASSES);
  if (bad >= 0)
    throw new InvalidInputError(
      'BAD_LABEL',
      `labelMap value ${label[bad]} at ${bad} is not a class index 0..${NUM_CLASSES - 1}`,
    );
  return label;
}

/** A subject's corrected class indices per slice from one NIfTI label volume per phase. */
function subjectCorrection(
  slices: readonly ReviewedSlice[],
  volumes: NonNullable<CorrectRequest['volumes']>,
  labels: LabelMap,
) {
  const phases = [...new Set(slices.map((s) => s.phase))];
  const given = volumes.map((v) => v.phase);
  if (
    given.length !== new Set(given).size ||
    phases.some((p) => !given.includes(p)) ||
    given.some((p) => !phases.includes(p))
  )
    throw badInput(
      `give one label volume for each phase the inference holds for this subject (${phases.join(', ')})`,
      'volumes',
    );
  return volumes.flatMap(({ phase, nifti }) => {
    const ofPhase = slices.filter((s) => s.phase === phase);
    const { rows, cols, sliceCount } = ofPhase[0];
    const vol = readNifti(decodeBase64(nifti, `the ${phase} volume`));
    if (vol.dims.length !== 3 || vol.dims[0] !== rows || vol.dims[1] !== cols || vol.dims[2] !== sliceCount)
      throw new InvalidInputError(
        'BAD_SHAPE',
        `the ${phase} label volume is [${vol.dims.join(', ')}]; its slices are ${rows} × ${cols} × ${sliceCount}`,
      );
    const classes = labelSlices(vol, null, labels);
    return ofPhase.map((slice) => ({ slice, label: classes[slice.sliceIndex] }));
  });
}

/** Records a corrected label for a slice (labelMap) or a subject (volumes); returns the review's id. */
export async function correctLabel(reviewer: Reviewer, request: CorrectRequest): Promise<string> {
  const { slices, subjectId, labels: values } = await coveredSlices(reviewer.store, request);
  let labels: Array<{ slice: ReviewedSlice; label: Uint8Array }>;
  if (request.sliceId) {
    if (!request.labelMap || request.volumes)
      throw badInput('a slice correction takes labelMap (and no volumes)', 'labelMap');
    labels = [{ slice: slices[0], label: sliceCorrection(slices[0], request.labelMap) }];
  } else {
    if (!request.volumes?.length || request.labelMap)
      throw badInput('a subject correction takes volumes (one NIfTI per phase, and no labelMap)', 'volumes');
    labels = subjectCorrection(slices, request.volumes, values);
  }
  refuseLabelled(slices);
  return record(reviewer, request, {
    subjectId,
    sliceId: request.sliceId ?? null,
    decision: 'CORRECT',
    labels,
    skipped: [],
  });
}
