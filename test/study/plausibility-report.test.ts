/**
 * The report's "Uncertainty with anatomical plausibility" on hand-made answers in the API's shape
 * (src/report/plausibility-qc.ts): one plausibilityQcSummary query per condition with the report's
 * seed (site B 1, site A test and the sweeps 0), the cells "alone [interval] → combined [interval]"
 * and "difference [interval] verdict" rounded by hand, the verdict by the interval of the paired
 * difference (below 0 helps, above 0 hurts, containing 0 or missing inconclusive), the unfit
 * structures named, and the finding's counts, heavy levels (3, 4) apart.
 */
import type { Block } from '../../src/report/document';
import type { GqlClient } from '../../src/report/graphql-client';
import { effectOf, plausibilityQcBlocks, type PairedFigure } from '../../src/report/plausibility-qc';

const paired = (
  uncertainty: number,
  combined: number,
  cis: { u?: [number, number]; c?: [number, number]; d: [number, number] | null },
): PairedFigure => ({
  uncertainty,
  combined,
  difference: combined - uncertainty,
  uncertaintyCi95: cis.u ? { low: cis.u[0], high: cis.u[1] } : null,
  combinedCi95: cis.c ? { low: cis.c[0], high: cis.c[1] } : null,
  differenceCi95: cis.d && { low: cis.d[0], high: cis.d[1] },
});

// Per judged evaluation: the mean AUC and review fraction the API would answer.
const summaries: Record<string, any> = {
  // site A test: AUC 0.1 → 0.08, the difference's interval below 0 (helps); review inconclusive.
  A: {
    unfit: [{ structure: 'RV' }],
    auc: paired(0.1, 0.08, { u: [0.0812, 0.1204], c: [0.0661, 0.0949], d: [-0.031, -0.0049] }),
    reviewAt: paired(0.4, 0.35, { u: [0.3, 0.5], c: [0.25, 0.45], d: [-0.1, 0.02] }),
  },
  // blur level 3 (heavy): AUC 0.2 → 0.25, interval above 0 (hurts); review helps.
  N3: {
    unfit: [],
    auc: paired(0.2, 0.25, { u: [0.15, 0.25], c: [0.2, 0.3], d: [0.01, 0.09] }),
    reviewAt: paired(0.6, 0.5, { u: [0.5, 0.7], c: [0.4, 0.6], d: [-0.2, -0.01] }),
  },
  // site B: no resample defined the difference: inconclusive, "[—]".
  B: {
    unfit: [],
    auc: paired(0.3, 0.3, { u: [0.2, 0.4], c: [0.2, 0.4], d: null }),
    reviewAt: paired(0.7, 0.7, { u: [0.6, 0.8], c: [0.6, 0.8], d: [0, 0] }),
  },
};

const asked: Array<{ id: string; seed: number }> = [];
const gql: GqlClient = async (query, variables = {}) => {
  if (query.includes('evaluations(trainingRunId')) {
    return {
      evaluations: [
        { id: 'A', split: 'TEST', distortionKind: 'NONE', datasetId: 'dA', variant: 'MCD' },
        { id: 'VAL', split: 'VAL', distortionKind: 'NONE', datasetId: 'dA', variant: 'MCD' },
      ],
    } as any;
  }
  expect(query).toMatch(
    /plausibilityQcSummary\(fitEvaluationId: \$fit, measure: ENTROPY, target: 0.05, seed: \$seed\)/,
  );
  expect(variables.fit).toBe('VAL');
  asked.push({ id: variables.id as string, seed: variables.seed as number });
  return { evaluation: { plausibilityQcSummary: summaries[variables.id as string] } } as any;
};

const data = {
  labels: ['MCD'],
  variants: [
    {
      label: 'MCD',
      repeat: 0,
      training: { run: { id: 'train' } },
      siteA: { id: 'A' },
      siteB: { id: 'B' },
      sweep: {
        evaluations: [
          { id: 'N0', kind: 'NONE', level: 0 },
          { id: 'N3', kind: 'BLUR', level: 3 },
        ],
      },
    },
  ],
} as any;

describe('plausibility section of the report', () => {
  test('the verdict follows the interval of the paired difference', () => {
    expect(effectOf(paired(0.1, 0.08, { d: [-0.03, -0.001] }))).toBe('helps');
    expect(effectOf(paired(0.1, 0.12, { d: [0.001, 0.03] }))).toBe('hurts');
    expect(effectOf(paired(0.1, 0.09, { d: [-0.03, 0.01] }))).toBe('inconclusive');
    expect(effectOf(paired(0.1, 0.1, { d: [0, 0] }))).toBe('inconclusive');
    expect(effectOf(paired(0.1, 0.1, { d: null }))).toBe('inconclusive');
  });

  test('one summary a condition with its seed; cells, verdicts and the finding as worked out by hand', async () => {
    asked.length = 0;
    const blocks: Block[] = await plausibilityQcBlocks(gql, data);
    expect(asked).toEqual([
      { id: 'A', seed: 0 },
      { id: 'N3', seed: 0 },
      { id: 'B', seed: 1 },
    ]);
    const tables = blocks.filter((b): b is Extract<Block, { type: 'table' }> => b.type === 'table');
    expect(tables.map((t) => t.caption!.split(',')[0].split(':')[0])).toEqual([
      'QC AUC',
      'QC AUC',
      'review fraction at 5 %',
      'review fraction at 5 %',
    ]);
    expect(tables[0].caption).toMatch(/^QC AUC, ENTROPY alone → combined/);
    expect(tables[0].rows).toEqual([
      ['site A test', '0.100 [0.081, 0.120] → 0.080 [0.066, 0.095]'],
      ['blur 3', '0.200 [0.150, 0.250] → 0.250 [0.200, 0.300]'],
      ['site B', '0.300 [0.200, 0.400] → 0.300 [0.200, 0.400]'],
    ]);
    expect(tables[1].rows).toEqual([
      ['site A test', '−0.020 [−0.031, −0.005] helps'],
      ['blur 3', '+0.050 [+0.010, +0.090] hurts'],
      ['site B', '+0.000 [—] inconclusive'],
    ]);
    expect(tables[2].rows[0]).toEqual(['site A test', '40.0 % [30.0 %, 50.0 %] → 35.0 % [25.0 %, 45.0 %]']);
    expect(tables[3].rows).toEqual([
      ['site A test', '−5.0 % [−10.0 %, +2.0 %] inconclusive'],
      ['blur 3', '−10.0 % [−20.0 %, −1.0 %] helps'],
      ['site B', '+0.0 % [+0.0 %, +0.0 %] inconclusive'],
    ]);
    const text = blocks.filter((b) => b.type === 'p').map((b) => (b as { text: string }).text);
    expect(text.some((t) => t.includes('left out of the means: MCD RV'))).toBe(true);
    expect(text.some((t) => /fitted once per structure on the validation evaluation and held fixed/.test(t))).toBe(
      true,
    );
    // Heavy (blur 3): AUC hurts, review helps; elsewhere (site A test, site B): AUC helps in 1 of 2
    // (mean change (−0.02 + 0)/2 = −0.010), review inconclusive in both.
    const finding = text.find((t) => t.startsWith('Finding'))!;
    expect(finding).toContain(
      'the combined score helps in 0, hurts in 1 and is inconclusive in 0 of 1 method × condition cells for the QC AUC (mean change +0.050), and helps in 1, hurts in 0 and is inconclusive in 0 of 1 for the review fraction at 5 %',
    );
    expect(finding).toContain(
      'it helps in 1, hurts in 0 and is inconclusive in 1 of 2 for the QC AUC (mean change −0.010), and helps in 0, hurts in 0 and is inconclusive in 2 of 2 for the review fraction',
    );
  });
});
