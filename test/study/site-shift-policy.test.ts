/**
 * The report's "Policy under site shift" on hand-made evaluations served page by page in the API's
 * shape: thresholds, promised and realised figures counted by hand.
 *
 * Site A, 20 slices of two subjects, ASSD within samples u = i mm for slice i: LV poor for i ≥ 16
 * (4 of 20), RV poor at i = 3 only (1 of 20, already ≤ 5 %), MYO never. LV: flagging u ≥ 17 leaves
 * one poor (16) = 5 %, u ≥ 18 leaves two: t = 17; MYO and RV flag nothing (null). Promised review
 * 3/20, poor left (poor in any structure, unflagged: 3 and 16) 2/20.
 * Site B, 10 slices, u = 10 + j: LV flagged for j ≥ 7 (3 of 10); LV poor for j ≥ 5, RV poor at
 * j = 0 (MYO's undefined ASSD_within there scores +∞, but MYO's rule flags nothing): poor 6, left
 * j = 0, 5, 6: 3/10.
 */
import type { GqlClient } from '../../src/report/graphql-client';
import { shiftPolicy, shiftPolicyBlocks } from '../../src/report/site-shift-policy';

type Row = { subjectId: string; u: number; lv: boolean; rv: boolean; myoUndefined?: boolean };

const siteA: Row[] = Array.from({ length: 20 }, (_, i) => ({
  subjectId: i < 10 ? 's1' : 's2',
  u: i,
  lv: i >= 16,
  rv: i === 3,
}));
const siteB: Row[] = Array.from({ length: 10 }, (_, j) => ({
  subjectId: `b${j % 3}`,
  u: 10 + j,
  lv: j >= 5,
  rv: j === 0,
  myoUndefined: j === 0,
}));

/** Serves evaluation "A" and "B" 7 predictions a page, as the API's predictions connection. */
const gql: GqlClient = async (_query, variables = {}) => {
  const rows = variables.id === 'A' ? siteA : siteB;
  const start = variables.after ? Number(variables.after) : 0;
  const page = rows.slice(start, start + 7);
  return {
    evaluation: {
      predictions: {
        nodes: page.map((r) => ({
          slice: { subjectId: r.subjectId },
          image: { entropy: 0.1, mi: 0.01 },
          metrics: [
            { structure: 'LV', poor: r.lv, diceWithin: 0.9, assdWithinMm: r.u },
            { structure: 'MYO', poor: false, diceWithin: 0.9, assdWithinMm: r.myoUndefined ? null : 0 },
            { structure: 'RV', poor: r.rv, diceWithin: 0.9, assdWithinMm: r.u },
          ],
        })),
        pageInfo: { hasNextPage: start + 7 < rows.length, endCursor: String(start + 7) },
      },
    },
  } as any;
};

describe('policy under site shift (report)', () => {
  test('thresholds, promise and realised site-B figures as counted by hand', async () => {
    const r = await shiftPolicy(gql, 'A', 'B');
    expect(r.promise.rules.map((x) => [x.structure, x.measure, x.threshold])).toEqual([
      ['LV', 'ASSD_WITHIN', 17],
      ['MYO', 'ASSD_WITHIN', null],
      ['RV', 'ASSD_WITHIN', null],
    ]);
    expect(r.promise.cases).toBe(20);
    expect(r.promise.subjects).toBe(2);
    expect(r.promise.reviewFraction.estimate).toBe(3 / 20);
    expect(r.promise.poorLeft.estimate).toBe(2 / 20);
    expect(r.siteB).toEqual({ slices: 10, flagged: 3, poor: 6, reviewFraction: 3 / 10, poorLeft: 3 / 10 });
  });

  test('the table row and the finding state those numbers', async () => {
    const r = await shiftPolicy(gql, 'A', 'B');
    const data = {
      variants: [{ label: 'MCD-0.1', repeat: 0, siteA: { id: 'A' }, siteB: { id: 'B' } }],
    } as any;
    const blocks = await shiftPolicyBlocks(gql, data);
    const table = blocks.find((b) => b.type === 'table') as { rows: string[][] };
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const [lo, hi] = r.promise.poorLeft.interval!;
    expect(table.rows).toEqual([
      [
        'MCD-0.1',
        `15.0 % [${pct(r.promise.reviewFraction.interval![0])}, ${pct(r.promise.reviewFraction.interval![1])}]`,
        '30.0 %',
        `10.0 % [${pct(lo)}, ${pct(hi)}]`,
        '30.0 %',
        '10 (3 / 6)',
      ],
    ]);
    const finding = blocks[blocks.length - 1] as { text: string };
    // Whether 30 % lies inside the bootstrap interval of the poor left decides the finding's wording.
    expect(finding.text).toContain(
      hi < 0.3
        ? `MCD-0.1 leaves more poor segmentations than the interval allows (30.0 % against ≤ ${pct(hi)})`
        : 'no method leaves more',
    );
  });
});
