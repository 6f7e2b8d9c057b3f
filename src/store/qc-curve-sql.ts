/**
 * QC curves computed in Postgres over every row (docs/design.md "Quality control", "GraphQL API"):
 * the same curve as the engine's qcCurve (src/engine/metrics/qc-curve.ts), built with window
 * functions. Rows with equal scores form one group (one step); groups ordered by descending score
 * give the cumulative flagged and poor counts, so point k is (F_k / N, (P − poor_k) / N) after the
 * start point (0, P/N). The AUC is the trapezoid sum taken in point order and the review fraction
 * the flagged fraction of the first point with ≤ target + 1e-9 poor remaining, the engine's
 * arithmetic step for step, so both agree to the last bit.
 *
 * Only the points sent are thinned (`maxPoints` ≥ 2): when the curve has more, the start point is
 * kept and the flagged axis (0, 1] is cut into maxPoints − 1 equal bins, each represented by its
 * last point, so (1, 0) is always kept and the drawn polyline stays within one bin of the curve.
 *
 * A settled evaluation's curves are stored by the same SQL (`curveStepsSql`, written by
 * evaluation-curves.ts) as integer counts per step; `storedQcCurve` and `storedReviewFraction` redo
 * the float8 arithmetic above over them, so stored and live curves agree to the last bit.
 */
import { Prisma } from '../db/generated/client';
import type { Structure } from '../db/generated/enums';
import type { Store } from '../db/client';
import { structureRows, type SliceScope } from './scope-sql';

export interface CurveSource {
  evaluationId: string;
  structure: Structure;
  /** The score, higher = review first, over `sm`, `im` (and `s` when `slice` is set). */
  score: Prisma.Sql;
  slice?: boolean;
  scope?: SliceScope;
}

export interface SqlQcCurve {
  n: number;
  poor: number;
  auc: number;
  points: Array<{ flagged: number; remaining: number }>;
}

const REVIEW_SLACK = 1e-9;

/**
 * The curve's steps in review order as the CTE `cum(score, k, f, pf)` — step k = 1..steps, with f
 * rows and pf poor rows flagged once it is taken — and the totals `tot(n, p, steps)`. One sort
 * (the window's) orders them; everything after runs in that order.
 */
function curveCtes(source: CurveSource): Prisma.Sql {
  return Prisma.sql`
    r AS (SELECT (${source.score})::float8 AS score, sm.poor
          FROM ${structureRows(source.evaluationId, source.scope, { slice: source.slice })} AND sm.structure = ${source.structure}::"Structure"),
    g AS (SELECT score, count(*) AS c, count(*) FILTER (WHERE poor) AS pc FROM r GROUP BY score),
    tot AS (SELECT sum(c)::float8 AS n, sum(pc)::float8 AS p, count(*)::int AS steps FROM g),
    cum AS (SELECT score, row_number() OVER w AS k, (sum(c) OVER w)::float8 AS f, (sum(pc) OVER w)::float8 AS pf
            FROM g WINDOW w AS (ORDER BY score DESC NULLS LAST ROWS UNBOUNDED PRECEDING))`;
}

/**
 * Points k > 0 as `run(k, f, pf, x, y, x1, area, steps)`: x = f/n, y = (p − pf)/n, x1 the next
 * point's x, and `area` the running AUC: each segment from point k − 1 adds ((x − x₀)(y + y₀))/2
 * to a sum taken in the window's order (sum over float8 adds in frame order), so the AUC is the
 * area at the last step — the trapezoid sum in point order, without sorting the points again.
 */
function runCtes(source: CurveSource): Prisma.Sql {
  return Prisma.sql`${curveCtes(source)},
    pts AS (SELECT cum.score, cum.k, cum.f, cum.pf, cum.f / tot.n AS x, (tot.p - cum.pf) / tot.n AS y, tot.p / tot.n AS y_start, tot.steps FROM cum, tot),
    seg AS (SELECT score, k, f, pf, x, y, steps, lag(x, 1, 0::float8) OVER w AS x0, lag(y, 1, y_start) OVER w AS y0, lead(x) OVER w AS x1
            FROM pts WINDOW w AS (ORDER BY score DESC NULLS LAST)),
    run AS MATERIALIZED (SELECT k, f, pf, x, y, steps, x1,
            sum(((x - x0) * (y + y0)) / 2) OVER (ORDER BY score DESC NULLS LAST ROWS UNBOUNDED PRECEDING) AS area FROM seg)`;
}

/** Point k > 0 is kept when every point fits, or it is the last of its bin (the next one's bin differs). */
function keptPoint(maxPoints: number, steps: Prisma.Sql): Prisma.Sql {
  const bin = (x: Prisma.Sql) => Prisma.sql`least(floor(${x} * ${maxPoints - 1}), ${maxPoints - 2})`;
  return Prisma.sql`${steps} + 1 <= ${maxPoints} OR x1 IS NULL OR ${bin(Prisma.sql`x`)} <> ${bin(Prisma.sql`x1`)}`;
}

type CurveRow = { n: number | null; poor: number | null; auc: number | null; points: Array<[number, number]> | null };

function curveOf(row: CurveRow | undefined): SqlQcCurve | null {
  if (!row || !row.n) return null;
  return {
    n: row.n,
    poor: row.poor ?? 0,
    auc: row.auc ?? 0,
    points: (row.points ?? []).map(([flagged, remaining]) => ({ flagged, remaining })),
  };
}

/** The QC curve of one structure, null when no row is in scope. */
export async function qcCurveInSql(store: Store, source: CurveSource, maxPoints: number): Promise<SqlQcCurve | null> {
  const [row] = await store.$queryRaw<CurveRow[]>`
    WITH ${runCtes(source)}
    SELECT tot.n, tot.p AS poor,
      (SELECT area FROM run WHERE k = steps) AS auc,
      (SELECT json_agg(json_build_array(x, y) ORDER BY k) FROM (
         SELECT 0::bigint AS k, 0::float8 AS x, tot.p / tot.n AS y WHERE tot.n > 0
         UNION ALL
         SELECT k, x, y FROM run WHERE ${keptPoint(maxPoints, Prisma.sql`steps`)}
       ) kept) AS points
    FROM tot`;
  return curveOf(row);
}

/**
 * One structure's curve as stored when its evaluation's results are final (store/evaluation-curves.ts):
 * `SELECT n, poor, auc, flagged, "poorFlagged"` — the totals (none when no row is in scope), the
 * AUC, and f and pf of every step in review order.
 */
export function curveStepsSql(source: CurveSource): Prisma.Sql {
  return Prisma.sql`
    WITH ${runCtes(source)}
    SELECT tot.n::int AS n, tot.p::int AS poor, (SELECT area FROM run WHERE k = steps) AS auc,
      (SELECT array_agg(f::int ORDER BY k) FROM run) AS flagged, (SELECT array_agg(pf::int ORDER BY k) FROM run) AS "poorFlagged"
    FROM tot WHERE tot.n > 0`;
}

/** A stored curve's row (alias `c`) of one evaluation, structure and measure. */
export interface StoredCurveKey {
  evaluationId: string;
  structure: Structure;
  measure: string;
}

const storedCurve = (key: StoredCurveKey) => Prisma.sql`"EvaluationCurve" c
  WHERE c."evaluationId" = ${key.evaluationId}::uuid AND c.structure = ${key.structure}::"Structure" AND c.measure = ${key.measure}::"QcMeasure"`;

/**
 * The curve from its stored steps, the live query's arithmetic over the same integers (x = f/n,
 * y = (p − pf)/n in float8, the same thinning), so both give the same points to the last bit;
 * undefined when the curve is not stored.
 */
export async function storedQcCurve(
  store: Store,
  key: StoredCurveKey,
  maxPoints: number,
): Promise<SqlQcCurve | null | undefined> {
  // Materialised, so the step count is taken once: an array column named per unnested row would
  // be read (detoasted) again for each of them.
  const rows = await store.$queryRaw<CurveRow[]>`
    WITH c AS MATERIALIZED (SELECT c.n::float8 AS n, c.poor::float8 AS poor, c.auc, c.flagged, c."poorFlagged", cardinality(c.flagged) AS steps
                            FROM ${storedCurve(key)})
    SELECT c.n, c.poor, c.auc,
      (SELECT json_agg(json_build_array(x, y) ORDER BY k) FROM (
         SELECT 0::bigint AS k, 0::float8 AS x, c.poor / c.n AS y
         UNION ALL
         SELECT k, x, y FROM (
           SELECT u.k, u.f::float8 / c.n AS x, (c.poor - u.pf::float8) / c.n AS y, u.f1::float8 / c.n AS x1
           FROM unnest(c.flagged, c."poorFlagged", c.flagged[2:]) WITH ORDINALITY AS u(f, pf, f1, k)) s
         WHERE ${keptPoint(maxPoints, Prisma.sql`c.steps`)}
       ) kept) AS points
    FROM c`;
  return rows.length ? curveOf(rows[0]) : undefined;
}

/** Review fraction for `target` from a stored curve (as reviewFractionInSql over its points). */
export async function storedReviewFraction(store: Store, key: StoredCurveKey, target: number): Promise<number> {
  const threshold = Prisma.sql`${target + REVIEW_SLACK}::float8`;
  const [row] = await store.$queryRaw<Array<{ f: number | null }>>`
    SELECT CASE WHEN c.poor::float8 / c.n::float8 <= ${threshold} THEN 0::float8
                ELSE (SELECT min(u.f::float8 / c.n::float8) FROM unnest(c.flagged, c."poorFlagged") AS u(f, pf)
                      WHERE (c.poor::float8 - u.pf::float8) / c.n::float8 <= ${threshold}) END AS f
    FROM ${storedCurve(key)}`;
  return row?.f ?? 1;
}

/** Review fraction for `target` over every point of the curve (1 when no point reaches it). */
export async function reviewFractionInSql(store: Store, source: CurveSource, target: number): Promise<number> {
  const threshold = Prisma.sql`${target + REVIEW_SLACK}::float8`;
  const [row] = await store.$queryRaw<Array<{ f: number | null }>>`
    WITH ${curveCtes(source)}
    SELECT CASE WHEN tot.p / tot.n <= ${threshold} THEN 0::float8
                ELSE (SELECT min(cum.f / tot.n) FILTER (WHERE (tot.p - cum.pf) / tot.n <= ${threshold}) FROM cum) END AS f
    FROM tot`;
  return row?.f ?? 1;
}
