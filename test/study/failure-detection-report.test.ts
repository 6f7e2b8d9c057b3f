/**
 * The report's "Further calibration measures and failure detection" section on hand-made
 * evaluations served in the API's shape: which evaluations it reads (repeat 0, site A test), the
 * table cells as the numbers are rounded by hand, the reason shown for an evaluation stored before
 * the histograms, and one chart row per drawn point.
 *
 * MCD-0.1 (T = 20): ECE 0.01234 → 0.0123, MCE 0.25 → 0.2500, class-wise 0.00456 → 0.0046, adaptive
 * 0.0111 ± 0.00004 → "0.0111 ± 0.0000". LV entropy: n 84, 9 poor; 1 − Dice AURC 0.12345 → 0.1235,
 * E-AURC 0.061725 → 0.0617, AUGRC 0.0308625 → 0.0309; AUROC 0.81234 → 0.812; each with its
 * interval as the API gives it ([0.10004, 0.15] → "[0.1000, 0.1500]"; the AUROC's [0.70049, 0.9]
 * → "[0.700, 0.900]"). PLAIN (T = 1): stored before the histograms — class-wise and adaptive "—",
 * its reason printed; no poor row, so the AUROC is "—" and the risk = poor areas, 0 on every
 * resample, read "0.0000 [0.0000, 0.0000]"; an interval no resample defines reads "[—]".
 */
import { renderSvg } from '../../src/report/charts';
import type { Block } from '../../src/report/document';
import {
  calibrationMeasuresTable,
  collectFailureDetection,
  failureDetectionSection,
  failureDetectionTable,
  riskCoverageRows,
} from '../../src/report/failure-detection';
import type { GqlClient } from '../../src/report/graphql-client';

type Ci = [number, number] | null;
const ci = (x: Ci) => x && { low: x[0], high: x[1] };
/** E-AURC and AUGRC are AURC/2 and AURC/4, their intervals given (AURC's, E-AURC's, AUGRC's). */
const risk = (aurc: number, points: Array<[number, number]>, cis: [Ci, Ci, Ci]) => ({
  aurc,
  eAurc: aurc / 2,
  augrc: aurc / 4,
  aurcCi95: ci(cis[0]),
  eAurcCi95: ci(cis[1]),
  augrcCi95: ci(cis[2]),
  points: points.map(([coverage, r]) => ({ coverage, risk: r })),
});

const answers: Record<string, any> = {
  A1: {
    evaluation: {
      calibrationMeasures: {
        slices: 84,
        ece: 0.01234,
        mce: 0.25,
        classwiseEce: 0.00456,
        adaptiveEce: 0.0111,
        adaptiveEceErrorBound: 0.00004,
        unavailable: null,
      },
      failureDetections: [
        {
          structure: 'LV',
          measure: 'ENTROPY',
          n: 84,
          poor: 9,
          subjects: 4,
          auroc: 0.81234,
          aurocCi95: { low: 0.70049, high: 0.9 },
          diceRisk: risk(
            0.12345,
            [
              [0.5, 0.05],
              [1, 0.1],
            ],
            [
              [0.10004, 0.15],
              [0.04, 0.08],
              [0.02, 0.04],
            ],
          ),
          poorRisk: risk(0.2, [[1, 0.107]], [[0.15, 0.25], [0.05, 0.15], null]),
        },
      ],
    },
  },
  P1: {
    evaluation: {
      calibrationMeasures: {
        slices: 84,
        ece: 0.05,
        mce: 0.5,
        classwiseEce: null,
        adaptiveEce: null,
        adaptiveEceErrorBound: null,
        unavailable:
          '84 of 84 slices in scope were evaluated before per-class and fine confidence histograms were stored',
      },
      failureDetections: [
        {
          structure: 'RV',
          measure: 'MI',
          n: 84,
          poor: 0,
          subjects: 4,
          auroc: null,
          aurocCi95: null,
          diceRisk: risk(
            0.3,
            [[1, 0.3]],
            [
              [0.25, 0.35],
              [0.1, 0.2],
              [0.05, 0.1],
            ],
          ),
          poorRisk: risk(
            0,
            [[1, 0]],
            [
              [0, 0],
              [0, 0],
              [0, 0],
            ],
          ),
        },
      ],
    },
  },
};

const asked: string[] = [];
const seeds: unknown[] = [];
const gql: GqlClient = async (query, variables = {}) => {
  asked.push(variables.id as string);
  seeds.push(variables.seed);
  expect(query).toMatch(/failureDetections\(maxPoints: \$points, seed: \$seed\)/);
  return answers[variables.id as string];
};
const data = {
  labels: ['PLAIN', 'MCD-0.1'],
  variants: [
    { label: 'MCD-0.1', repeat: 0, siteA: { id: 'A1', runId: 'runA1', samples: 20 } },
    { label: 'MCD-0.1', repeat: 1, siteA: { id: 'A-repeat', runId: 'x', samples: 20 } },
    { label: 'PLAIN', repeat: 0, siteA: { id: 'P1', runId: 'runP1', samples: 1 }, siteB: { id: 'B1' } },
  ],
} as any;

describe('failure detection in the report', () => {
  test('reads the site-A test evaluation of repeat 0 of each method, and tabulates as rounded by hand', async () => {
    asked.length = 0;
    seeds.length = 0;
    const rows = await collectFailureDetection(gql, data);
    expect(asked).toEqual(['A1', 'P1']);
    // The site-A seed of the report's other intervals.
    expect(seeds).toEqual([0, 0]);
    const cal = calibrationMeasuresTable(rows) as Extract<Block, { type: 'table' }>;
    expect(cal.rows).toEqual([
      ['MCD-0.1', '84', '0.0123', '0.2500', '0.0046', '0.0111 ± 0.0000'],
      ['PLAIN', '84', '0.0500', '0.5000', '—', '—'],
    ]);
    const fd = failureDetectionTable(rows) as Extract<Block, { type: 'table' }>;
    expect(fd.rows).toEqual([
      [
        'MCD-0.1',
        'LV',
        'entropy',
        '84 (9)',
        '0.1235 [0.1000, 0.1500]',
        '0.0617 [0.0400, 0.0800]',
        '0.0309 [0.0200, 0.0400]',
        '0.2000 [0.1500, 0.2500]',
        '0.1000 [0.0500, 0.1500]',
        '0.0500 [—]',
        '0.812 [0.700, 0.900]',
      ],
      [
        'PLAIN',
        'RV',
        'MI',
        '84 (0)',
        '0.3000 [0.2500, 0.3500]',
        '0.1500 [0.1000, 0.2000]',
        '0.0750 [0.0500, 0.1000]',
        '0.0000 [0.0000, 0.0000]',
        '0.0000 [0.0000, 0.0000]',
        '0.0000 [0.0000, 0.0000]',
        '—',
      ],
    ]);
    expect(riskCoverageRows(rows)).toEqual([
      { method: 'MCD-0.1', structure: 'LV', measure: 'entropy', coverage: 0.5, risk: 0.05, order: 0 },
      { method: 'MCD-0.1', structure: 'LV', measure: 'entropy', coverage: 1, risk: 0.1, order: 1 },
      { method: 'PLAIN', structure: 'RV', measure: 'MI', coverage: 1, risk: 0.3, order: 0 },
    ]);
  });

  test('the section: both tables, the reason for the missing values, and a chart that renders', async () => {
    const blocks: Block[] = [];
    const specs: Array<Record<string, unknown>> = [];
    await failureDetectionSection(blocks, gql, data, async (_name, spec, _caption, sources) => {
      specs.push(spec);
      expect(sources).toHaveLength(2);
    });
    expect(blocks.filter((b) => b.type === 'table')).toHaveLength(2);
    expect(blocks.some((b) => b.type === 'p' && b.text.startsWith('PLAIN: 84 of 84 slices'))).toBe(true);
    expect(specs).toHaveLength(1);
    expect(await renderSvg(specs[0])).toMatch(/^<svg/);
  });
});
