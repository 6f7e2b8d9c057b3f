/**
 * The report's figures as Vega-Lite specifications, rendered to SVG in Node (vega's headless view,
 * no canvas, no network). Each function takes plain rows (from GraphQL) and returns a spec.
 */
import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';
import { isEnsembleLabel } from '../domain/methods';

// vega and vega-lite ship CommonJS builds; loaded on use so the CLI starts fast (require: see cli/lazy.ts).
const loadVega = (): typeof Vega => require('vega');
const loadVegaLite = (): typeof VegaLite => require('vega-lite');

type VegaLiteSpec = Record<string, unknown>;

const METHOD_COLORS = {
  domain: ['PLAIN', 'MCD-0.1', 'MCD-0.5', 'BBB', 'DE'],
  range: ['#7f7f7f', '#1f77b4', '#17becf', '#d62728', '#2ca02c'],
};

// An ensemble of any size M (DE-5, DE-10) takes DE's colour.
const colourKey = (label: string) => (isEnsembleLabel(label) ? 'DE' : label);

function methodColor(labels: string[]) {
  const known = (l: string) => METHOD_COLORS.domain.includes(colourKey(l));
  const rank = (l: string) => METHOD_COLORS.domain.indexOf(colourKey(l));
  const domain = [...labels.filter(known).sort((a, b) => rank(a) - rank(b)), ...labels.filter((l) => !known(l))];
  const palette = ['#9467bd', '#8c564b', '#e377c2', '#bcbd22'];
  return {
    domain,
    range: domain.map((l, i) => METHOD_COLORS.range[rank(l)] ?? palette[i % palette.length]),
  };
}

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vega = loadVega();
  const vl = loadVegaLite();
  const compiled = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    ...spec,
  } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Grouped bars: one panel per metric, structures on x, methods side by side. */
export function accuracyBars(
  rows: Array<{ method: string; structure: string; metric: string; value: number | null }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  return {
    title,
    data: { values: rows.filter((r) => r.value !== null) },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['Dice', 'ASSD (mm)', 'HD (mm)'] } },
    spec: {
      width: 190,
      height: 170,
      mark: 'bar',
      encoding: {
        x: { field: 'structure', type: 'nominal', title: null, sort: ['LV', 'MYO', 'RV'], axis: { labelAngle: 0 } },
        xOffset: { field: 'method', type: 'nominal', sort: labels },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'method', type: 'nominal', scale: methodColor(labels), sort: labels, title: 'method' },
        tooltip: [{ field: 'method' }, { field: 'structure' }, { field: 'value', format: '.3f' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Panels side by side, one per metric, each with a bar per method on its own y scale. */
function methodBarsPerMetric(
  rows: Array<{ method: string; metric: string; value: number | null }>,
  labels: string[],
  title: string,
  options: { width: number; metricOrder?: string[] },
): VegaLiteSpec {
  return {
    title,
    data: { values: rows.filter((r) => r.value !== null) },
    facet: {
      column: {
        field: 'metric',
        type: 'nominal',
        title: null,
        ...(options.metricOrder ? { sort: options.metricOrder } : {}),
      },
    },
    spec: {
      width: options.width,
      height: 150,
      mark: 'bar',
      encoding: {
        x: { field: 'method', type: 'nominal', sort: labels, title: null, axis: { labelAngle: -40 } },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'method', type: 'nominal', scale: methodColor(labels), sort: labels, legend: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** One bar per method per calibration metric (NLL, Brier, ECE). */
export function calibrationBars(
  rows: Array<{ method: string; metric: string; value: number | null }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  return methodBarsPerMetric(rows, labels, title, { width: 150, metricOrder: ['NLL', 'Brier', 'ECE'] });
}

/** Reliability diagram: accuracy against mean confidence per bin, one line per method. */
export function reliability(
  rows: Array<{ method: string; confidence: number; accuracy: number; count: number }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  return {
    title,
    width: 300,
    height: 300,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'confidence', type: 'quantitative', title: 'confidence', scale: { domain: [0, 1] } },
          y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } },
          color: { field: 'method', type: 'nominal', scale: methodColor(labels), sort: labels },
        },
      },
    ],
  };
}

export interface BoxRow {
  method: string;
  level: number;
  row: string;
  column: string;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
}

/**
 * Box plots from quartiles: whiskers min–max, box q1–q3, tick at the median; methods side by side.
 * A grid of separate panels (rows × columns), each with its own y scale.
 */
export function boxGrid(
  rows: BoxRow[],
  labels: string[],
  title: string,
  rowOrder: string[],
  columnOrder: string[],
): VegaLiteSpec {
  const x = { field: 'level', type: 'ordinal', title: 'degree of distortion', axis: { labelAngle: 0 } };
  const xOffset = { field: 'method', type: 'nominal', sort: labels };
  const color = { field: 'method', type: 'nominal', scale: methodColor(labels), sort: labels, title: 'method' };
  const kept = rows.filter((r) => r.median !== null);
  const panel = (row: string, column: string) => ({
    title: {
      text: rowOrder.length === 1 ? column : columnOrder.length === 1 ? row : `${row} · ${column}`,
      fontSize: 11,
    },
    width: 200,
    height: 110,
    data: { values: kept.filter((r) => r.row === row && r.column === column) },
    layer: [
      {
        mark: { type: 'rule' },
        encoding: {
          x,
          xOffset,
          y: { field: 'min', type: 'quantitative', title: null, scale: { zero: false } },
          y2: { field: 'max' },
          color,
        },
      },
      {
        mark: { type: 'bar', width: { band: 0.8 } },
        encoding: { x, xOffset, y: { field: 'q1', type: 'quantitative' }, y2: { field: 'q3' }, color },
      },
      {
        mark: { type: 'tick', color: 'black', thickness: 1.5 },
        encoding: { x, xOffset, y: { field: 'median', type: 'quantitative' } },
      },
    ],
  });
  const present = rowOrder.filter((row) => kept.some((r) => r.row === row));
  return {
    title,
    vconcat: present.map((row) => ({ hconcat: columnOrder.map((column) => panel(row, column)) })),
  };
}

/** Site A against site B per method (the dataset-shift figure). */
export function shiftBars(
  rows: Array<{ method: string; site: string; metric: string; value: number | null }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  return {
    title,
    data: { values: rows.filter((r) => r.value !== null) },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 170,
      height: 150,
      mark: 'bar',
      encoding: {
        x: { field: 'method', type: 'nominal', sort: labels, title: null, axis: { labelAngle: -40 } },
        xOffset: { field: 'site', type: 'nominal' },
        y: { field: 'value', type: 'quantitative', title: null },
        color: {
          field: 'site',
          type: 'nominal',
          scale: { domain: ['A', 'B'], range: ['#4c78a8', '#f58518'] },
          title: 'test site',
        },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Spearman correlation heat map: measures × structures against methods, one panel per site. */
export function correlationHeatmap(
  rows: Array<{ method: string; site: string; measure: string; structure: string; rho: number | null; n: number }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  const values = rows.map((r) => ({
    ...r,
    y: `${r.measure} · ${r.structure}`,
    text: r.rho === null ? '—' : r.rho.toFixed(2),
  }));
  return {
    title,
    data: { values },
    facet: { column: { field: 'site', type: 'nominal', title: 'test site' } },
    spec: {
      width: 40 * labels.length,
      height: 300,
      encoding: {
        x: { field: 'method', type: 'nominal', sort: labels, title: null, axis: { labelAngle: -40 } },
        y: { field: 'y', type: 'nominal', title: null },
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: {
              field: 'rho',
              type: 'quantitative',
              scale: { scheme: 'redblue', domain: [-1, 1], reverse: true },
              title: 'Spearman ρ',
            },
          },
        },
        { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'text' } } },
      ],
    },
  };
}

/** QC curves: poor remaining vs flagged, per structure (columns) and method (rows), with baselines. */
export function qcCurves(
  rows: Array<{ method: string; structure: string; curve: string; flagged: number; remaining: number; order: number }>,
  labels: string[],
  curves: string[],
  title: string,
): VegaLiteSpec {
  return {
    title,
    data: { values: rows },
    facet: {
      row: {
        field: 'method',
        type: 'nominal',
        sort: labels,
        title: null,
        header: { labelAngle: 0, labelAlign: 'left' },
      },
      column: { field: 'structure', type: 'nominal', sort: ['LV', 'MYO', 'RV'], title: null },
    },
    spec: {
      width: 170,
      height: 120,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'flagged', type: 'quantitative', title: 'fraction flagged for review', scale: { domain: [0, 1] } },
        y: { field: 'remaining', type: 'quantitative', title: 'poor remaining' },
        order: { field: 'order', type: 'quantitative' },
        color: { field: 'curve', type: 'nominal', sort: curves, title: 'flagged by' },
        strokeDash: {
          field: 'curve',
          type: 'nominal',
          sort: curves,
          scale: {
            domain: curves,
            range: curves.map((c) => (c.startsWith('random') ? [2, 2] : c.startsWith('slice') ? [6, 3] : [1, 0])),
          },
          legend: null,
        },
      },
    },
  };
}

/** Risk–coverage curves: one panel per measure (rows) and structure (columns), a line per method. */
export function riskCoverageCurves(
  rows: Array<{ method: string; structure: string; measure: string; coverage: number; risk: number; order: number }>,
  labels: string[],
  measures: string[],
): VegaLiteSpec {
  return {
    data: { values: rows },
    facet: {
      row: {
        field: 'measure',
        type: 'nominal',
        sort: measures,
        title: null,
        header: { labelAngle: 0, labelAlign: 'left' },
      },
      column: { field: 'structure', type: 'nominal', sort: ['LV', 'MYO', 'RV'], title: null },
    },
    spec: {
      width: 170,
      height: 110,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: {
          field: 'coverage',
          type: 'quantitative',
          title: 'coverage (least uncertain first)',
          scale: { domain: [0, 1] },
        },
        y: { field: 'risk', type: 'quantitative', title: 'mean 1 − Dice accepted' },
        order: { field: 'order', type: 'quantitative' },
        color: { field: 'method', type: 'nominal', title: 'method', scale: methodColor(labels) },
      },
    },
  };
}

/** BBB: distribution of the learned σ per layer (boxes p5–p95 whiskers, p25–p75 box, median tick). */
export function sigmaPerLayer(
  rows: Array<{
    layer: string;
    order: number;
    p5: number;
    p25: number;
    median: number;
    p75: number;
    p95: number;
    mean: number;
  }>,
  title: string,
): VegaLiteSpec {
  const x = {
    field: 'layer',
    type: 'nominal',
    sort: rows.map((r) => r.layer),
    title: 'layer (input → output)',
    axis: { labelAngle: -50 },
  };
  return {
    title,
    width: Math.max(300, rows.length * 26),
    height: 220,
    data: { values: rows },
    layer: [
      {
        mark: 'rule',
        encoding: {
          x,
          y: { field: 'p5', type: 'quantitative', title: 'σ = softplus(ρ)', scale: { type: 'log' } },
          y2: { field: 'p95' },
        },
      },
      {
        mark: { type: 'bar', width: 14, color: '#d62728', opacity: 0.6 },
        encoding: { x, y: { field: 'p25', type: 'quantitative' }, y2: { field: 'p75' } },
      },
      {
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { x, y: { field: 'median', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', shape: 'diamond', color: 'black', filled: true, size: 20 },
        encoding: { x, y: { field: 'mean', type: 'quantitative' } },
      },
    ],
  };
}

/** Timings: one panel per quantity, a bar per method. */
export function timingBars(
  rows: Array<{ method: string; metric: string; value: number }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  return methodBarsPerMetric(rows, labels, title, { width: 160 });
}

/**
 * Bland–Altman: per panel (row) and method (column), each subject at (mean of predicted and true,
 * predicted − truth), with horizontal rules at the bias (solid) and the limits of agreement (dashed).
 */
export function blandAltman(
  points: Array<{ method: string; panel: string; mean: number; diff: number; subject: string }>,
  lines: Array<{ method: string; panel: string; line: string; diff: number }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  const panels = [...new Set([...points, ...lines].map((r) => r.panel))];
  return {
    title,
    data: {
      // One source for every layer (a filter per layer would fork it): a subject row has no `level`
      // and a line row no `mean`, so each layer drops the other's rows as invalid values.
      values: [...points, ...lines.map(({ diff, ...l }) => ({ ...l, level: diff }))],
    },
    facet: {
      row: {
        field: 'panel',
        type: 'nominal',
        sort: panels,
        title: null,
        header: { labelAngle: 0, labelAlign: 'left' },
      },
      column: { field: 'method', type: 'nominal', sort: labels, title: null },
    },
    spec: {
      width: 150,
      height: 120,
      layer: [
        {
          mark: { type: 'point', filled: true, size: 30 },
          encoding: {
            x: { field: 'mean', type: 'quantitative', title: 'mean of predicted and true', scale: { zero: false } },
            y: { field: 'diff', type: 'quantitative', title: 'predicted − true' },
            color: { field: 'method', type: 'nominal', scale: methodColor(labels), sort: labels, legend: null },
            tooltip: [{ field: 'subject' }, { field: 'mean', format: '.1f' }, { field: 'diff', format: '.1f' }],
          },
        },
        {
          mark: { type: 'rule', color: '#444' },
          encoding: {
            y: { field: 'level', type: 'quantitative' },
            strokeDash: {
              field: 'line',
              type: 'nominal',
              scale: {
                domain: ['bias', 'bias − 1.96 SD', 'bias + 1.96 SD'],
                range: [
                  [1, 0],
                  [4, 3],
                  [4, 3],
                ],
              },
              legend: null,
            },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Per subject: the interval q025–q975 (bar), the posterior mean (dot) and the truth (black tick). */
export function subjectIntervals(
  rows: Array<{
    method: string;
    site: string;
    subject: string;
    mean: number;
    q025: number;
    q975: number;
    truth: number | null;
  }>,
  labels: string[],
  title: string,
): VegaLiteSpec {
  // Subjects of both sites on one axis (site first), so the panels share it: independent scales
  // over layers make vega-lite warn that the domains come from different sources.
  const x = { field: 'key', type: 'nominal', title: null, sort: 'ascending', axis: { labelAngle: -60 } };
  return {
    title,
    data: { values: rows },
    transform: [{ calculate: "datum.site + ' ' + datum.subject", as: 'key' }],
    facet: {
      row: {
        field: 'method',
        type: 'nominal',
        sort: labels,
        title: null,
        header: { labelAngle: 0, labelAlign: 'left' },
      },
    },
    spec: {
      width: { step: 22 },
      height: 120,
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            x,
            y: { field: 'q025', type: 'quantitative', title: 'EF (points)', scale: { zero: false } },
            y2: { field: 'q975' },
            color: { field: 'method', type: 'nominal', scale: methodColor(labels), sort: labels, legend: null },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 18, stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative' },
            color: { field: 'method', type: 'nominal', scale: methodColor(labels), sort: labels, legend: null },
            tooltip: [
              { field: 'subject' },
              { field: 'mean', format: '.1f' },
              { field: 'q025', format: '.1f' },
              { field: 'q975', format: '.1f' },
              { field: 'truth', format: '.1f' },
            ],
          },
        },
        {
          // A subject without ground truth has truth null: dropped as an invalid value.
          mark: { type: 'tick', color: 'black', thickness: 1.5, size: 12 },
          encoding: { x, y: { field: 'truth', type: 'quantitative' } },
        },
      ],
    },
  };
}
