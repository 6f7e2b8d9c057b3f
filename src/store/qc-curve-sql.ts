/**
 * QC curves over every row, in Postgres (docs/design.md "Quality control", "GraphQL API"). Rows
 * with equal scores form one group (one step of the curve); the groups in descending score are the
 * curve's steps, each with its row count and poor count.
 *
 * - A running evaluation, or a scope: `qcCurveSteps` sends those steps, and the engine's
 *   qcCurveOfSteps (src/engine/metrics/qc-curve.ts) makes the points and AUC, so the live curve is
 *   the engine's own arithmetic. One sort and no window: the grouping is all Postgres does.
 * - A settled evaluation: its curves are stored (`curveStepsSql`, written by evaluation-curves.ts)
 *   as integer counts per step, with window functions giving the cumulative flagged and poor counts
 *   and the AUC as the trapezoid sum taken in point order, the engine's arithmetic step for step.
 *   `storedQcCurve` and `storedReviewFraction` redo x = f/n, y = (p − pf)/n in float8 over them,
 *   so stored and live curves agree to the last bit.
 *
 * Only the points sent are thinned (`maxPoints` ≥ 2): when the curve has more, the start point is
 * kept and the flagged axis (0, 1] is cut into maxPoints − 1 equal bins, each represented by its
 * last point, so (1, 0) is always kept and the drawn polyline stays within one bin of the curve.
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

/** The curve's steps as the CTE `g(score, c, pc)`, in no order: c rows with the score, pc of them poor. */
function stepCtes(source: CurveSource): Prisma.Sql {
  return Prisma.sql`
    r AS (SELECT (${source.score})::float8 AS score, sm.poor
          FROM ${structureRows(source.evaluationId, source.scope, { slice: source.slice })} AND sm.structure = ${source.structure}::"Structure"),
    g AS (SELECT score, count(*) AS c, count(*) FILTER (WHERE poor) AS pc FROM r GROUP BY score)`;
}

/**
 * The steps in review order as the CTE `cum(score, k, f, pf)` — step k = 1..steps, with f rows and
 * pf poor rows flagged once it is taken — and the totals `tot(n, p, steps)`. One sort (the
 * window's) orders them; everything after runs in that order.
 */
function curveCtes(source: CurveSource): Prisma.Sql {
  return Prisma.sql`${stepCtes(source)},
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

/** A curve's steps in review order (descending score): `count[k]` rows, `poor[k]` of them poor. */
export interface CurveSteps {
  count: Int32Array;
  poor: Int32Array;
}

/** The steps of one structure's curve over the rows in scope (none when no row is). */
export async function qcCurveSteps(store: Store, source: CurveSource): Promise<CurveSteps> {
  const rows = await store.$queryRaw<Array<{ c: number; pc: number }>>`
    WITH ${stepCtes(source)}
    SELECT c::int AS c, pc::int AS pc FROM g ORDER BY score DESC NULLS LAST`;
  const steps = { count: new Int32Array(rows.length), poor: new Int32Array(rows.length) };
  rows.forEach((row, k) => {
    steps.count[k] = row.c;
    steps.poor[k] = row.pc;
  });
  return steps;
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

/** Review fraction for `target` from a stored curve (as reviewFractionAt over its points). */
export async function storedReviewFraction(store: Store, key: StoredCurveKey, target: number): Promise<number> {
  const threshold = Prisma.sql`${target + REVIEW_SLACK}::float8`;
  const [row] = await store.$queryRaw<Array<{ f: number | null }>>`
    SELECT CASE WHEN c.poor::float8 / c.n::float8 <= ${threshold} THEN 0::float8
                ELSE (SELECT min(u.f::float8 / c.n::float8) FROM unnest(c.flagged, c."poorFlagged") AS u(f, pf)
                      WHERE (c.poor::float8 - u.pf::float8) / c.n::float8 <= ${threshold}) END AS f
    FROM ${storedCurve(key)}`;
  return row?.f ?? 1;
}
