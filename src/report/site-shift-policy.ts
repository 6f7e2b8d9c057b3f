/**
 * The report's "Policy under site shift" (docs/design.md "Application check"): per variant, a QC
 * policy chosen on the site-A undistorted test evaluation as `createPolicy` chooses one
 * (engine/metrics/policy-promise.ts choosePolicy: one ASSD-within rule per structure, the measure
 * section 5 singles out, poor left ≤ 5 % per rule, subject-bootstrap 95 % intervals with the
 * thresholds held fixed), then applied to the site-B evaluation's stored per-slice values and poor
 * flags: flagged when any rule flags (u ≥ t), poor when poor in any structure, realised review
 * fraction = flagged / N and poor left = poor and not flagged / N. That is what an inference with
 * the policy on site B, its promise checked against site B's labels, counts; the site-B
 * evaluation's posterior draws are reused instead of a second pass, so the study adds no run.
 */
import { STRUCTURES, type Structure } from '../engine/data/types';
import { choosePolicy, type PolicyCase, type PolicyPromise } from '../engine/metrics/policy-promise';
import { flagsScore, type QcMeasure, qcScore } from '../engine/metrics/qc-policy';
import type { ReportData } from './collect';
import type { Block } from './document';
import type { GqlClient } from './graphql-client';

export const SHIFT_POLICY_MEASURE: QcMeasure = 'ASSD_WITHIN';
export const SHIFT_POLICY_TARGET = 0.05;
const PAGE = 100;

export interface ShiftPolicyResult {
  promise: PolicyPromise;
  siteB: { slices: number; flagged: number; poor: number; reviewFraction: number; poorLeft: number };
}

interface Row {
  slice: { subjectId: string };
  metrics: Array<{ structure: Structure; poor: boolean; diceWithin: number | null; assdWithinMm: number | null }>;
  image: { entropy: number; mi: number } | null;
}

/** Every stored prediction of an evaluation as a policy case (one score and poor flag per structure). */
async function policyCases(gql: GqlClient, evaluationId: string): Promise<PolicyCase[]> {
  const cases: PolicyCase[] = [];
  for (let after: string | null = null; ;) {
    const data: any = await gql(
      `query($id: ID!, $after: String) { evaluation(id: $id) { predictions(first: ${PAGE}, after: $after) {
        nodes { slice { subjectId } metrics { structure poor diceWithin assdWithinMm } image { entropy mi } }
        pageInfo { hasNextPage endCursor } } } }`,
      { id: evaluationId, after },
    );
    const page = data.evaluation.predictions;
    for (const row of page.nodes as Row[]) {
      const of = (s: Structure) => row.metrics.find((m) => m.structure === s)!;
      cases.push({
        subject: row.slice.subjectId,
        scores: STRUCTURES.map((s) =>
          qcScore(SHIFT_POLICY_MEASURE, {
            entropy: row.image?.entropy ?? 0,
            mi: row.image?.mi ?? 0,
            diceWithin: of(s).diceWithin ?? 1,
            assdWithinMm: of(s).assdWithinMm,
          }),
        ),
        poor: STRUCTURES.map((s) => of(s).poor),
      });
    }
    if (!page.pageInfo.hasNextPage) return cases;
    after = page.pageInfo.endCursor;
  }
}

export async function shiftPolicy(
  gql: GqlClient,
  siteAEvaluationId: string,
  siteBEvaluationId: string,
): Promise<ShiftPolicyResult> {
  const rules = STRUCTURES.map((structure) => ({ structure, measure: SHIFT_POLICY_MEASURE }));
  const promise = choosePolicy(
    rules,
    await policyCases(gql, siteAEvaluationId),
    { kind: 'POOR_LEFT', value: SHIFT_POLICY_TARGET },
    { seed: 0, resamples: 1000 },
  );
  const b = (await policyCases(gql, siteBEvaluationId)).map((c) => ({
    flagged: promise.rules.some((r, i) => flagsScore(c.scores[i], r.threshold)),
    poor: c.poor.some(Boolean),
  }));
  const n = b.length;
  const flagged = b.filter((c) => c.flagged).length;
  return {
    promise,
    siteB: {
      slices: n,
      flagged,
      poor: b.filter((c) => c.poor).length,
      reviewFraction: flagged / n,
      poorLeft: b.filter((c) => c.poor && !c.flagged).length / n,
    },
  };
}

const percent = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const withInterval = (b: PolicyPromise['reviewFraction']) =>
  `${percent(b.estimate)} [${b.interval ? `${percent(b.interval[0])}, ${percent(b.interval[1])}` : '—'}]`;
const inside = (x: number, b: PolicyPromise['reviewFraction']) =>
  b.interval !== null && b.interval[0] <= x && x <= b.interval[1];

/** The section: one row per variant of repeat 0 with both evaluations, and a one-line finding. */
export async function shiftPolicyBlocks(gql: GqlClient, data: ReportData): Promise<Block[]> {
  const rows: Array<{ label: string; r: ShiftPolicyResult }> = [];
  for (const v of data.variants.filter((x) => x.repeat === 0 && x.siteA && x.siteB))
    rows.push({ label: v.label, r: await shiftPolicy(gql, v.siteA!.id, v.siteB!.id) });
  const blocks: Block[] = [
    { type: 'h3', text: 'Policy under site shift' },
    {
      type: 'p',
      text: `Per method, a QC policy chosen on the site-A test slices as \`createPolicy\` chooses one: one ${SHIFT_POLICY_MEASURE} rule per structure, each leaving ≤ ${percent(SHIFT_POLICY_TARGET)} poor, flagged when any rule flags, poor when poor in any structure; promised figures with subject-bootstrap 95 % intervals (1 000 resamples, thresholds fixed). Applied unchanged to site B's stored per-slice values and its labels: the realised review fraction and poor fraction left.`,
    },
  ];
  if (rows.length === 0) return [...blocks, { type: 'p', text: 'No method has both evaluations yet.' }];
  blocks.push({
    type: 'table',
    caption: `Policy under site shift: chosen on site A (test), applied to site B (${SHIFT_POLICY_MEASURE}, poor left ≤ ${percent(SHIFT_POLICY_TARGET)} per structure)`,
    header: [
      'method',
      'promised review [95 %]',
      'realised review, site B',
      'promised poor left [95 %]',
      'realised poor left, site B',
      'site B slices (flagged / poor)',
    ],
    rows: rows.map(({ label, r }) => [
      label,
      withInterval(r.promise.reviewFraction),
      percent(r.siteB.reviewFraction),
      withInterval(r.promise.poorLeft),
      percent(r.siteB.poorLeft),
      `${r.siteB.slices} (${r.siteB.flagged} / ${r.siteB.poor})`,
    ]),
  });
  const keptReview = rows.filter(({ r }) => inside(r.siteB.reviewFraction, r.promise.reviewFraction)).length;
  const keptPoor = rows.filter(({ r }) => inside(r.siteB.poorLeft, r.promise.poorLeft)).length;
  const above = rows.filter(
    ({ r }) => r.promise.poorLeft.interval && r.siteB.poorLeft > r.promise.poorLeft.interval[1],
  );
  blocks.push({
    type: 'p',
    text: `Finding: on site B the realised review fraction lies inside the promised interval for ${keptReview} of ${rows.length} methods and the realised poor fraction left for ${keptPoor} of ${rows.length}; ${above.length === 0 ? 'no method leaves more poor segmentations than its interval allows' : `${above.map((x) => x.label).join(', ')} leave${above.length === 1 ? 's' : ''} more poor segmentations than the interval allows (${above.map((x) => `${percent(x.r.siteB.poorLeft)} against ≤ ${percent(x.r.promise.poorLeft.interval![1])}`).join('; ')})`}.`,
  });
  return blocks;
}
