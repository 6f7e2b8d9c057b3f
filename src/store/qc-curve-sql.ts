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

/** The curve's points (k = 0 the start) as the CTE `pts(k, x, y)`, with the totals `tot(n, p, steps)`. */
function curveCtes(source: CurveSource): Prisma.Sql {
  return Prisma.sql`
    r AS (SELECT (${source.score})::float8 AS score, sm.poor
          FROM ${structureRows(source.evaluationId, source.scope, { slice: source.slice })} AND sm.structure = ${source.structure}::"Structure"),
    g AS (SELECT score, count(*) AS c, count(*) FILTER (WHERE poor) AS pc FROM r GROUP BY score),
    tot AS (SELECT sum(c)::float8 AS n, sum(pc)::float8 AS p, count(*)::int AS steps FROM g),
    cum AS (SELECT row_number() OVER w AS k, (sum(c) OVER w)::float8 AS f, (sum(pc) OVER w)::float8 AS pf
            FROM g WINDOW w AS (ORDER BY score DESC NULLS LAST ROWS UNBOUNDED PRECEDING)),
    pts AS (SELECT 0::bigint AS k, 0::float8 AS x, tot.p / tot.n AS y FROM tot WHERE tot.n > 0
            UNION ALL SELECT cum.k, cum.f / tot.n, (tot.p - cum.pf) / tot.n FROM cum, tot)`;
}

/** The QC curve of one structure, null when no row is in scope. */
export async function qcCurveInSql(store: Store, source: CurveSource, maxPoints: number): Promise<SqlQcCurve | null> {
  const last = maxPoints - 2;
  const [row] = await store.$queryRaw<
    Array<{ n: number | null; poor: number | null; auc: number | null; points: Array<[number, number]> | null }>
  >`
    WITH ${curveCtes(source)},
    seg AS (SELECT k, x, y, lag(x) OVER (ORDER BY k) AS x0, lag(y) OVER (ORDER BY k) AS y0 FROM pts),
    kept AS (SELECT k, x, y FROM (
               SELECT k, x, y, max(k) OVER (PARTITION BY CASE WHEN k = 0 THEN -1 ELSE least(floor(x * ${maxPoints - 1}), ${last}) END) AS bin_last FROM pts
             ) b, tot WHERE tot.steps + 1 <= ${maxPoints} OR k = 0 OR k = bin_last)
    SELECT tot.n, tot.p AS poor,
      (SELECT sum(((x - x0) * (y + y0)) / 2 ORDER BY k) FROM seg WHERE k > 0) AS auc,
      (SELECT json_agg(json_build_array(x, y) ORDER BY k) FROM kept) AS points
    FROM tot`;
  if (!row || !row.n) return null;
  return {
    n: row.n,
    poor: row.poor ?? 0,
    auc: row.auc ?? 0,
    points: (row.points ?? []).map(([flagged, remaining]) => ({ flagged, remaining })),
  };
}

/** Review fraction for `target` over every point of the curve (1 when no point reaches it). */
export async function reviewFractionInSql(store: Store, source: CurveSource, target: number): Promise<number> {
  const [row] = await store.$queryRaw<Array<{ f: number | null }>>`
    WITH ${curveCtes(source)}
    SELECT min(x) FILTER (WHERE y <= ${target + REVIEW_SLACK}::float8) AS f FROM pts`;
  return row?.f ?? 1;
}
