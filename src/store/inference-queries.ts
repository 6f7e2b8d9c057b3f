/**
 * Reading an inference for triage (docs/design.md "Inference" → "Triage"): counts, the triage
 * queue and the subjects, computed in Postgres over the stored slices.
 *
 * Triage order: flagged slices first (flagged = true, then false and null), then by the triage
 * score descending, then by id. The triage score is the value of the policy's FIRST rule (its
 * score: entropy, MI, 1 − Dice_within or ASSD_within, +∞ for an undefined ASSD_within), read from
 * the slice's stored decisions; without a policy it is the image-mean predictive entropy. One
 * score per slice keeps the order total and the same for every page; the first rule is the one an
 * analyst lists first (ratios value/threshold were not used: a threshold can be 0 or null).
 * A subject is flagged when any of its slices is; subjects are listed flagged first, then by
 * their highest triage score, then by subject id.
 */
import { Prisma } from '../db/generated/client';
import type { Store } from '../db/client';

/** The triage score of `InferenceSlice s` (decisions store +∞ as "Infinity", which float8 reads). */
const TRIAGE_SCORE = Prisma.sql`(CASE WHEN s.decisions IS NULL OR jsonb_array_length(s.decisions) = 0 THEN s.entropy
  ELSE (s.decisions->0->>'value')::float8 END)`;

export interface InferenceCounts {
  slices: number;
  flaggedSlices: number;
  subjects: number;
  flaggedSubjects: number;
}

export async function inferenceCounts(store: Store, inferenceId: string): Promise<InferenceCounts> {
  const [row] = await store.$queryRaw<InferenceCounts[]>`
    SELECT count(*)::int AS slices, count(*) FILTER (WHERE s.flagged)::int AS "flaggedSlices",
      count(DISTINCT x."subjectId")::int AS subjects,
      count(DISTINCT x."subjectId") FILTER (WHERE s.flagged)::int AS "flaggedSubjects"
    FROM "InferenceSlice" s JOIN "Slice" x ON x.id = s."sliceId"
    WHERE s."inferenceId" = ${inferenceId}::uuid`;
  return row;
}

/** Ids of one page of the triage queue after `afterId` (exclusive), with each slice's triage score. */
export async function triagePage(
  store: Store,
  inferenceId: string,
  page: { afterId?: string; take: number; flaggedOnly?: boolean },
): Promise<Array<{ id: string; score: number }>> {
  const after = page.afterId
    ? Prisma.sql`AND (k.f, k.ns, k.id) > (SELECT f, ns, id FROM k WHERE id = ${page.afterId}::uuid)`
    : Prisma.empty;
  return store.$queryRaw<Array<{ id: string; score: number }>>`
    WITH k AS (
      SELECT s.id, CASE WHEN s.flagged THEN 0 ELSE 1 END AS f, -${TRIAGE_SCORE} AS ns
      FROM "InferenceSlice" s
      WHERE s."inferenceId" = ${inferenceId}::uuid ${page.flaggedOnly ? Prisma.sql`AND s.flagged` : Prisma.empty})
    SELECT k.id::text AS id, -k.ns AS score FROM k WHERE true ${after}
    ORDER BY k.f, k.ns, k.id LIMIT ${page.take}`;
}

export async function triageCount(store: Store, inferenceId: string, flaggedOnly: boolean): Promise<number> {
  return store.inferenceSlice.count({ where: { inferenceId, ...(flaggedOnly ? { flagged: true } : {}) } });
}

export interface TriageSubject {
  subjectId: string;
  externalId: string;
  slices: number;
  flaggedSlices: number;
  flagged: boolean;
  maxScore: number;
}

/** Every subject of the inference, flagged first, then by highest triage score (at most `take`). */
export async function triageSubjects(store: Store, inferenceId: string, take: number): Promise<TriageSubject[]> {
  return store.$queryRaw<TriageSubject[]>`
    SELECT j.id::text AS "subjectId", j."externalId", count(*)::int AS slices,
      count(*) FILTER (WHERE s.flagged)::int AS "flaggedSlices", coalesce(bool_or(s.flagged), false) AS flagged,
      max(${TRIAGE_SCORE}) AS "maxScore"
    FROM "InferenceSlice" s JOIN "Slice" x ON x.id = s."sliceId" JOIN "Subject" j ON j.id = x."subjectId"
    WHERE s."inferenceId" = ${inferenceId}::uuid
    GROUP BY j.id, j."externalId"
    ORDER BY coalesce(bool_or(s.flagged), false) DESC, max(${TRIAGE_SCORE}) DESC, j.id
    LIMIT ${take}`;
}
