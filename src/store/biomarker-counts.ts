/**
 * The stored pixel counts biomarkers are computed from (docs/design.md "Biomarkers from the
 * store"), summed per subject, phase and structure in one statement: Σ_z pixels of the mean
 * segmentation, Σ_z of each posterior sample t (the stored per-sample arrays unnested and summed
 * by t), and for an evaluation Σ_z of the ground truth it compared with, beside what the service
 * checks before trusting a sum: how many slices carry counts, the stack's slice count, the
 * in-plane spacing range. Grouped on the uuid and enum columns, cast to text only in the result.
 * An inference's ground truth is not stored with its counts (it can arrive later, by review): its
 * slices' effective labels are counted here.
 */
import { Prisma } from '../db/generated/client';
import type { Store } from '../db/client';
import { ACDC_LABELS, type Phase, type Structure } from '../engine/data/types';
import { addCounts, structurePixelCounts, type StructureValues } from '../engine/clinical/volume';
import { SCOPED_PREDICTIONS, scopeWhere, type SliceScope } from './scope-sql';

export interface StructureSums {
  subjectId: string;
  phase: Phase;
  structure: Structure;
  /** Slices of the phase in the result. */
  slices: number;
  sliceCountMin: number;
  sliceCountMax: number;
  spacingXMin: number;
  spacingXMax: number;
  spacingYMin: number;
  spacingYMax: number;
  /** Slices whose counts are stored (rows written before counts were kept have none). */
  counted: number;
  pixels: number | null;
  /** Shortest and longest per-sample array of the slices. */
  tMin: number;
  tMax: number;
  /** Σ_z of sample t at [t]; null without stored samples. */
  samplePixels: number[] | null;
  gtCounted: number;
  gtPixels: number | null;
}

function sums(store: Store, rows: Prisma.Sql, gt: Prisma.Sql): Promise<StructureSums[]> {
  return store.$queryRaw<StructureSums[]>`
    WITH r AS MATERIALIZED (
      SELECT s."subjectId" AS sid, s.phase, x.structure AS st, s."sliceCount" AS sc,
        s."spacingXMm" AS sx, s."spacingYMm" AS sy, x.pixels AS px, x."samplePixels" AS sp, ${gt} AS gp
      FROM ${rows}),
    b AS (
      SELECT sid, phase, st, count(*)::int AS slices, min(sc)::int AS "sliceCountMin", max(sc)::int AS "sliceCountMax",
        min(sx) AS "spacingXMin", max(sx) AS "spacingXMax", min(sy) AS "spacingYMin", max(sy) AS "spacingYMax",
        count(px)::int AS counted, sum(px)::int AS pixels,
        min(coalesce(cardinality(sp), 0))::int AS "tMin", max(coalesce(cardinality(sp), 0))::int AS "tMax",
        count(gp)::int AS "gtCounted", sum(gp)::int AS "gtPixels"
      FROM r GROUP BY sid, phase, st),
    t AS (
      SELECT r.sid, r.phase, r.st, u.k, sum(u.n)::int AS n
      FROM r CROSS JOIN LATERAL unnest(r.sp) WITH ORDINALITY AS u(n, k) GROUP BY r.sid, r.phase, r.st, u.k),
    ta AS (SELECT sid, phase, st, array_agg(n ORDER BY k) AS ns FROM t GROUP BY sid, phase, st)
    SELECT b.sid::text AS "subjectId", b.phase::text AS phase, b.st::text AS structure, b.slices, b."sliceCountMin", b."sliceCountMax",
      b."spacingXMin", b."spacingXMax", b."spacingYMin", b."spacingYMax", b.counted, b.pixels, b."tMin", b."tMax",
      ta.ns AS "samplePixels", b."gtCounted", b."gtPixels"
    FROM b LEFT JOIN ta ON ta.sid = b.sid AND ta.phase = b.phase AND ta.st = b.st
    ORDER BY b.sid, b.phase, b.st`;
}

/** An evaluation's sums over the predictions in scope (the scope's joins: slice, subject, dataset). */
export function evaluationStructureSums(store: Store, evaluationId: string, scope?: SliceScope) {
  return sums(
    store,
    Prisma.sql`${SCOPED_PREDICTIONS} JOIN "StructureMetric" x ON x."predictionId" = p.id ${scopeWhere(evaluationId, scope)}`,
    Prisma.sql`x."gtPixels"`,
  );
}

/** An inference's sums over all its slices; no ground truth (see inferenceTruthCounts). */
export function inferenceStructureSums(store: Store, inferenceId: string) {
  return sums(
    store,
    Prisma.sql`"InferenceStructure" x JOIN "InferenceSlice" i ON i.id = x."inferenceSliceId" JOIN "Slice" s ON s.id = i."sliceId"
      WHERE x."inferenceId" = ${inferenceId}::uuid`,
    Prisma.sql`NULL::int`,
  );
}

export interface PhaseTruth {
  subjectId: string;
  phase: Phase;
  slices: number;
  /** Slices with an effective label (imported, attached or reviewed). */
  labelled: number;
  pixels: StructureValues;
}

/**
 * Σ_z structure pixels of the effective label (Slice.label, else its SliceLabel) of an inference's
 * slices, per subject and phase; read a page of subjects at a time so the labels never all sit in
 * memory at once.
 */
export async function inferenceTruthCounts(
  store: Store,
  inferenceId: string,
  subjectIds: string[],
): Promise<PhaseTruth[]> {
  const out = new Map<string, PhaseTruth>();
  const PAGE = 50;
  for (let i = 0; i < subjectIds.length; i += PAGE) {
    const rows = await store.$queryRaw<Array<{ subjectId: string; phase: Phase; label: Uint8Array | null }>>`
      SELECT s."subjectId"::text AS "subjectId", s.phase::text AS phase, coalesce(s.label, l.label) AS label
      FROM "InferenceSlice" i JOIN "Slice" s ON s.id = i."sliceId" LEFT JOIN "SliceLabel" l ON l."sliceId" = s.id
      WHERE i."inferenceId" = ${inferenceId}::uuid AND s."subjectId" = ANY(${subjectIds.slice(i, i + PAGE)}::uuid[])`;
    for (const r of rows) {
      const key = `${r.subjectId}/${r.phase}`;
      const t = out.get(key) ?? {
        subjectId: r.subjectId,
        phase: r.phase,
        slices: 0,
        labelled: 0,
        pixels: { LV: 0, MYO: 0, RV: 0 },
      };
      t.slices++;
      if (r.label) {
        t.labelled++;
        addCounts(t.pixels, structurePixelCounts(r.label, ACDC_LABELS));
      }
      out.set(key, t);
    }
  }
  return [...out.values()];
}
