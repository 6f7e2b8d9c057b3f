/**
 * The report's "Clinical biomarkers" section on hand-made evaluations served in the API's shape:
 * table cells, Bland–Altman points, interval rows and findings worked out by hand.
 *
 * MCD-0.1 on site A (T = 20), four subjects, LV EF truth / mean-segmentation value / interval:
 *   p1 0.60 / 0.58 / [0.55, 0.62] covered     d = −0.02
 *   p2 0.50 / 0.55 / [0.52, 0.58] not covered d = +0.05
 *   p3 0.40 / 0.36 / [0.30, 0.45] covered     d = −0.04
 *   p4 0.30 / 0.33 / [0.31, 0.35] not covered d = +0.03
 * bias 0.02 / 4 = 0.005 (0.5 points); deviations ∓0.025, ±0.045: SD = √(0.0053 / 3) = 0.0420317,
 * limits 0.005 ∓ 1.96 · 0.0420317 = [−0.0773821, 0.0873821] → [−7.7, 8.7] points; MAE 0.035
 * (3.5 points); coverage 2 of 4 = 50 %, P(X ≤ 2 | 4, 0.95) = 0.01401875 < 0.05.
 * PLAIN on site B (T = 1): three subjects, intervals single values, none equal to the truth:
 * coverage 0 of 3, P = 0.05³ = 1.25e-4. A fifth site-A subject with one phase missing is left out.
 * Last, the section on the synthetic quick store through the API's own schema (its queries valid,
 * its cells the API's numbers).
 */
import { graphql } from 'graphql';
import { createStore } from '../../src/db/client';
import { renderSvg } from '../../src/report/charts';
import { buildApiSchema } from '../../src/resolvers';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticQuickStudy } from '../support/synthetic-store';
import {
  agreementTable,
  subjectQcTable,
  biomarkerSection,
  blandAltmanData,
  collectBiomarkers,
  coverageFindings,
  efAgreementFindings,
  intervalData,
} from '../../src/report/biomarker-agreement';
import type { Block } from '../../src/report/document';
import type { GqlClient } from '../../src/report/graphql-client';

const sd = Math.sqrt(0.0053 / 3);
const mcdSubjects = [
  ['p1', 0.6, 0.58, 0.55, 0.62],
  ['p2', 0.5, 0.55, 0.52, 0.58],
  ['p3', 0.4, 0.36, 0.3, 0.45],
  ['p4', 0.3, 0.33, 0.31, 0.35],
] as const;
const plainSubjects = [
  ['b1', 0.55, 0.5],
  ['b2', 0.45, 0.47],
  ['b3', 0.35, 0.3],
] as const;

const lvEf = (value: number, truth: number, q025: number, q975: number) => ({
  biomarker: 'LV_EF',
  value,
  truth,
  posterior: { mean: (q025 + q975) / 2, q025, q975 },
});
const row = (biomarker: string, o: Record<string, unknown>) => ({
  biomarker,
  n: 0,
  undefinedCount: 0,
  bias: null,
  sdDiff: null,
  lower: null,
  upper: null,
  pearsonR: null,
  mae: null,
  coverage: null,
  covered: 0,
  coverageN: 0,
  ...o,
});

const answers: Record<string, any> = {
  A1: {
    biomarkerAgreement: {
      subjects: 4,
      leftOut: 1,
      biomarkers: [
        row('LV_EF', {
          n: 4,
          bias: 0.005,
          sdDiff: sd,
          lower: 0.005 - 1.96 * sd,
          upper: 0.005 + 1.96 * sd,
          pearsonR: 0.9,
          mae: 0.035,
          coverage: 0.5,
          covered: 2,
          coverageN: 4,
        }),
        row('LV_EDV_ML', { n: 4, bias: 1.25, sdDiff: 2, lower: 1.25 - 3.92, upper: 1.25 + 3.92, mae: 2.5 }),
      ],
    },
    evaluation: {
      biomarkers: [
        ...mcdSubjects.map(([externalId, truth, value, q025, q975]) => ({
          externalId,
          status: 'OK',
          values: [lvEf(value, truth, q025, q975)],
        })),
        { externalId: 'p5', status: 'PHASE_MISSING', values: [] },
      ],
      subjectQcCurve: { n: 4, poor: 1, auc: 0.125, reviewAt: 0.25 },
    },
  },
  A2: {
    biomarkerAgreement: {
      subjects: 4,
      leftOut: 0,
      biomarkers: [row('LV_EF', { n: 4, bias: 0.01, mae: 0.02, coverage: 0.75, covered: 3, coverageN: 4 })],
    },
    evaluation: { biomarkers: [], subjectQcCurve: null },
  },
  B1: {
    biomarkerAgreement: {
      subjects: 3,
      leftOut: 0,
      biomarkers: [row('LV_EF', { n: 3, bias: -0.26 / 3 / 10, mae: 0.04, coverage: 0, covered: 0, coverageN: 3 })],
    },
    evaluation: {
      biomarkers: plainSubjects.map(([externalId, truth, value]) => ({
        externalId,
        status: 'OK',
        values: [lvEf(value, truth, value, value)],
      })),
      subjectQcCurve: null,
    },
  },
};

const gql: GqlClient = async (_query, variables = {}) => answers[variables.id as string];
const data = {
  labels: ['PLAIN', 'MCD-0.1', 'BBB'],
  variants: [
    { label: 'MCD-0.1', repeat: 0, siteA: { id: 'A1', runId: 'runA1', samples: 20 } },
    { label: 'MCD-0.1', repeat: 1, siteA: { id: 'A-repeat', runId: 'x', samples: 20 } },
    { label: 'PLAIN', repeat: 0, siteB: { id: 'B1', runId: 'runB1', samples: 1 } },
    { label: 'BBB', repeat: 0, siteA: { id: 'A2', runId: 'runA2', samples: 10 } },
  ],
} as any;

describe('clinical biomarkers in the report', () => {
  test('collects repeat 0 of each method per site, in the API shape', async () => {
    const rows = await collectBiomarkers(gql, data);
    expect(rows.map((r) => [r.method, r.site, r.evaluationId, r.samples, r.subjects, r.leftOut])).toEqual([
      ['MCD-0.1', 'A', 'A1', 20, 4, 1],
      ['PLAIN', 'B', 'B1', 1, 3, 0],
      ['BBB', 'A', 'A2', 10, 4, 0],
    ]);
  });

  test('the table shows EF in points and volumes in ml, limits bias ± 1.96 SD, coverage with its counts', async () => {
    const rows = await collectBiomarkers(gql, data);
    const t = agreementTable(rows, 'A') as Extract<Block, { type: 'table' }>;
    expect(t.header).toEqual([
      'method',
      'biomarker',
      'subjects (left out)',
      'bias',
      'limits of agreement',
      'r',
      'MAE',
      '95 % coverage',
    ]);
    // A row per method (MCD-0.1, BBB) and biomarker.
    expect(t.rows.length).toBe(14);
    expect(t.rows.slice(0, 7).map((r) => r[1])).toEqual([
      'LV EDV',
      'LV ESV',
      'LV EF',
      'RV EDV',
      'RV ESV',
      'RV EF',
      'MYO mass (ED)',
    ]);
    // Left out: the PHASE_MISSING subject.
    expect(t.rows[2]).toEqual(['MCD-0.1', 'LV EF', '4 (1)', '0.5', '[-7.7, 8.7]', '0.90', '3.5', '50 % (2 of 4)']);
    expect(t.rows[0]).toEqual(['MCD-0.1', 'LV EDV', '4 (1)', '1.25', '[-2.67, 5.17]', '—', '2.50', '—']);
    expect(t.rows[1]).toEqual(['MCD-0.1', 'LV ESV', '—', '—', '—', '—', '—', '—']);
  });

  test('Bland–Altman points are (mean, predicted − truth) in EF points; lines the bias and limits', async () => {
    const rows = await collectBiomarkers(gql, data);
    const { points, lines } = blandAltmanData(rows.slice(0, 1), ['LV_EF']);
    const expected = [
      ['p1', 59, -2],
      ['p2', 52.5, 5],
      ['p3', 38, -4],
      ['p4', 31.5, 3],
    ];
    expect(points.length).toBe(4);
    points.forEach((p, i) => {
      expect(p.subject).toBe(expected[i][0]);
      expect(p.panel).toBe('LV EF, site A');
      expect(p.mean).toBeCloseTo(expected[i][1] as number, 10);
      expect(p.diff).toBeCloseTo(expected[i][2] as number, 10);
    });
    expect(lines.map((l) => l.line)).toEqual(['bias', 'bias − 1.96 SD', 'bias + 1.96 SD']);
    expect(lines[0].diff).toBeCloseTo(0.5, 10);
    expect(lines[1].diff).toBeCloseTo(-7.73821, 4);
    expect(lines[2].diff).toBeCloseTo(8.73821, 4);
  });

  test('interval rows: posterior mean, 2.5 and 97.5 % and the truth, in EF points', async () => {
    const rows = await collectBiomarkers(gql, data);
    const r = intervalData(rows, 'LV_EF');
    expect(r.length).toBe(7);
    expect(r[1].subject).toBe('p2');
    expect(r[1].site).toBe('site A');
    expect(r[1].q025).toBeCloseTo(52, 10);
    expect(r[1].q975).toBeCloseTo(58, 10);
    expect(r[1].mean).toBeCloseTo(55, 10);
    expect(r[1].truth).toBeCloseTo(50, 10);
  });

  test('the subject-level QC table gives each curve as the API sends it, dashes without one', async () => {
    const t = subjectQcTable(await collectBiomarkers(gql, data)) as Extract<Block, { type: 'table' }>;
    expect(t.rows).toEqual([
      ['MCD-0.1', 'A', '1 / 4', '0.125', '25 %'],
      ['PLAIN', 'B', '—', '—', '—'],
      ['BBB', 'A', '—', '—', '—'],
    ]);
  });

  test('findings state the coverage against a calibrated method and the EF bias, limits and MAE', async () => {
    const rows = await collectBiomarkers(gql, data);
    const [siteA, siteB] = coverageFindings(rows);
    expect(siteA).toBe(
      'Coverage of LV EF intervals, site A: MCD-0.1 50 % of 4 subjects (2 covered, P = 0.014); BBB 75 % of 4 subjects (3 covered, P = 0.19). A calibrated method covers 95 % (3.8 of 4 expected); P is the chance it covers as few or fewer. Fewer than a calibrated method covers (P < 0.05): MCD-0.1 — intervals too narrow or off-centre.',
    );
    expect(siteB).toBe(
      'Coverage of LV EF intervals, site B: PLAIN 0 % of 3 subjects (0 covered, P = 0.00013). A calibrated method covers 95 % (2.85 of 3 expected); P is the chance it covers as few or fewer. Fewer than a calibrated method covers (P < 0.05): PLAIN — intervals too narrow or off-centre. PLAIN: T = 1, the interval is a single value and covers only an exact match.',
    );
    const ef = efAgreementFindings(rows);
    expect(ef[0]).toBe(
      'LV EF, site A: MCD-0.1 bias 0.5 points [-7.7, 8.7], MAE 3.5; BBB bias 1.0 points, MAE 2.0; smallest MAE: BBB (2.0 points over 4 subjects).',
    );
  });

  test('the section renders its two figures to SVG', async () => {
    const blocks: Block[] = [];
    const specs: Array<Record<string, unknown>> = [];
    await biomarkerSection(blocks, gql, data, async (_name, spec) => {
      specs.push(spec);
    });
    expect(blocks.filter((b) => b.type === 'table').length).toBe(3);
    expect(specs.length).toBe(2);
    for (const spec of specs) expect(await renderSvg(spec)).toMatch(/^<svg/);
    const list = blocks.find((b) => b.type === 'list') as { items: string[] };
    expect(list.items.length).toBe(2 + 2);
  });

  test('says so when no evaluation has subjects with biomarkers and ground truth', async () => {
    const blocks: Block[] = [];
    await biomarkerSection(
      blocks,
      async () => ({ biomarkerAgreement: null, evaluation: null }) as any,
      data,
      () => {
        throw new Error('no figure expected');
      },
    );
    expect(blocks.map((b) => b.type)).toEqual(['h2', 'p']);
  });
});

describe('clinical biomarkers in the report, through the real schema', () => {
  // The synthetic quick store (pixel counts, slice spacing) answered by the API's own schema: the
  // section's queries are valid, and its LV EF cells are the API's numbers.
  test('the table rows carry biomarkerAgreement; the figures get a point per subject', async () => {
    const db = await createDatabase(testServers()[0]);
    const store = createStore(db.url);
    try {
      const study = await seedSyntheticQuickStudy(store, { slicesPerSubject: 4, size: 8 });
      const schema = await buildApiSchema();
      const api: GqlClient = async (source, variableValues = {}) => {
        const r = await graphql({
          schema,
          source,
          variableValues,
          contextValue: { store, actor: 't', role: 'ANALYST' },
        });
        if (r.errors) throw new Error(r.errors.map((e) => e.message).join('; '));
        return r.data as any;
      };
      const real = {
        labels: study.variants.map((v) => v.label),
        variants: study.variants.map((v) => ({
          label: v.label,
          repeat: 0,
          siteA: { id: v.siteA, runId: 'a', samples: 20 },
          siteB: { id: v.siteB, runId: 'b', samples: 20 },
        })),
      } as any;
      const blocks: Block[] = [];
      const specs: any[] = [];
      await biomarkerSection(blocks, api, real, async (_name, spec) => {
        specs.push(spec);
      });
      const [siteA] = blocks.filter((b) => b.type === 'table') as Array<Extract<Block, { type: 'table' }>>;
      const mcd = study.variants.find((v) => v.label === 'MCD-0.1')!;
      const { biomarkerAgreement: a } = await api(
        `query($id: ID!) { biomarkerAgreement(evaluationId: $id) { subjects leftOut biomarkers { biomarker n bias lower upper mae coverage covered coverageN } } }`,
        { id: mcd.siteA },
      );
      const ef = a.biomarkers.find((b: any) => b.biomarker === 'LV_EF');
      expect([a.subjects, a.leftOut, ef.coverageN]).toEqual([4, 0, 4]);
      expect(siteA.rows.find((r) => r[0] === 'MCD-0.1' && r[1] === 'LV EF')).toEqual([
        'MCD-0.1',
        'LV EF',
        '4 (0)',
        (100 * ef.bias).toFixed(1),
        `[${(100 * ef.lower).toFixed(1)}, ${(100 * ef.upper).toFixed(1)}]`,
        expect.any(String),
        (100 * ef.mae).toFixed(1),
        `${(100 * ef.coverage).toFixed(0)} % (${ef.covered} of 4)`,
      ]);
      // Bland–Altman: LV and RV EF of 5 methods × (4 site-A + 10 site-B subjects); intervals: LV EF.
      const subjectPoints = (spec: any) => spec.data.values.filter((v: any) => v.subject !== undefined).length;
      expect(subjectPoints(specs[0])).toBe(2 * 5 * 14);
      expect(subjectPoints(specs[1])).toBe(5 * 14);
    } finally {
      await store.$disconnect();
      await db.drop();
    }
  }, 60000);
});
