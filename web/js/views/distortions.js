// Distortions: box plots of accuracy and uncertainty against the degree of each distortion kind
// (level 0 is the undistorted evaluation of the same sweep), from distortionSweep(runId, scope), and
// per level the calibration and failure-detection measures (failure-panel.js). The sweep's box
// plots and the panel's measures are asked for together, and the chart library loads meanwhile.
import { constants, gql } from '../gql.js';
import { h, select, shortId, num, table, EVALUATION_FIELDS } from '../dom.js';
import { updateParams } from '../state.js';
import { failurePanelMeasure, renderFailurePanel, requestFailurePanel } from './failure-panel.js';

const ACCURACY = ['dice', 'assd', 'hd', 'diceWithin', 'assdWithin'];
const UNCERTAINTY = ['entropy', 'mi', 'nll', 'brier'];
const KIND_COLOURS = { NOISE: '#5470c6', BLUR: '#2e9b57', STRETCH: '#d9534f' };

export async function render(root, ctx) {
  const { params, scope } = ctx;
  // The chart library loads while the requests below are answered, not before them.
  const charts = import('../charts.js');
  charts.catch(() => {}); // awaited below; a view that returns early must not leave it unhandled
  const [{ structures: STRUCTURES }, data] = await Promise.all([
    constants(),
    gql(
      `{ runs(first: 100, filter: { kind: SWEEP }) { nodes { id status method createdAt config children { id status } } } evaluations { ${EVALUATION_FIELDS} } }`,
    ),
  ]);
  root.append(h('h2', {}, 'Distortions'));
  const sweeps = data.runs.nodes;
  if (!sweeps.length) {
    root.append(h('p', { class: 'empty' }, 'No distortion sweeps yet (mutation startDistortionSweep).'));
    return;
  }
  // The newest sweep that finished opens first; one still running says so and shows what finished.
  const runId = sweeps.some((s) => s.id === params.get('sweep'))
    ? params.get('sweep')
    : (sweeps.find((s) => s.status === 'SUCCEEDED') ?? sweeps[0]).id;
  const levelZero = new Map(
    data.evaluations
      .filter((e) => e.distortionKind === 'NONE' && e.run?.parentRunId)
      .map((e) => [e.run.parentRunId, e]),
  );
  const sweep = sweeps.find((s) => s.id === runId);
  const accuracy = ACCURACY.includes(params.get('acc')) ? params.get('acc') : 'dice';
  const uncertainty = UNCERTAINTY.includes(params.get('unc')) ? params.get('unc') : 'entropy';
  const structure = STRUCTURES.includes(params.get('structure')) ? params.get('structure') : 'LV';
  const sweepLabel = (s) => {
    const e = levelZero.get(s.id);
    const what = e
      ? e.label
          .split(' · ')
          .filter((x) => !x.startsWith('T='))
          .join(' · ')
      : `${s.method ?? ''} ${shortId(s.id)}`;
    return `${what} · ${(s.config?.kinds ?? []).join('/')} · ${s.status}`;
  };

  root.append(
    h(
      'div',
      { class: 'toolbar' },
      select(
        'Sweep',
        'sweep',
        sweeps.map((s) => [s.id, sweepLabel(s)]),
        runId,
        (v) => updateParams({ sweep: v }),
      ),
      select(
        'Accuracy',
        'acc',
        ACCURACY.map((m) => [m, m]),
        accuracy,
        (v) => updateParams({ acc: v }),
      ),
      select(
        'Structure',
        'structure',
        STRUCTURES.map((s) => [s, s]),
        structure,
        (v) => updateParams({ structure: v }),
      ),
      select(
        'Uncertainty',
        'unc',
        UNCERTAINTY.map((m) => [m, m]),
        uncertainty,
        (v) => updateParams({ unc: v }),
      ),
    ),
  );

  const finished = new Set(
    data.evaluations.filter((e) => e.run?.parentRunId === runId && e.run.status === 'SUCCEEDED').map((e) => e.id),
  );
  const done = sweep.children.filter((c) => c.status === 'SUCCEEDED').length;
  if (sweep.status !== 'SUCCEEDED') {
    root.append(
      h(
        'p',
        { class: 'note', id: 'sweep-progress', role: 'note' },
        `This sweep is ${sweep.status}: ${done} of ${sweep.children.length} evaluations finished${done ? '; the charts show those' : '; the charts fill in as they finish'}.`,
      ),
    );
  }
  // The panel's measures are asked for with the box plots, not after them.
  const evaluations = data.evaluations.filter((e) => finished.has(e.id));
  const measure = failurePanelMeasure(params);
  const panel = requestFailurePanel({ scope, structure, measure, evaluations });
  panel.catch(() => {}); // awaited below, after the box plots
  const [{ distortionSweep: swept }, chartModule] = await Promise.all([
    gql(
      `query($id: ID!, $scope: SliceScope) { distortionSweep(runId: $id, scope: $scope) {
    evaluationId kind level structure metric distribution { n mean min q1 median q3 max } } }`,
      { id: runId, scope },
    ),
    charts,
  ]);
  const { drawChart } = chartModule;
  const distortionSweep = swept.filter((p) => finished.has(p.evaluationId));
  const kinds = [...new Set(distortionSweep.map((p) => p.kind).filter((k) => k !== 'NONE'))];
  if (!kinds.length) {
    root.append(
      h(
        'p',
        { class: 'empty' },
        sweep.status === 'SUCCEEDED'
          ? 'This sweep has no distorted evaluations.'
          : 'No distorted evaluation of this sweep has finished yet.',
      ),
    );
    return;
  }

  const grid = h('div', { class: 'grid' });
  root.append(grid);
  const tableRows = [];
  const drawings = [];
  for (const kind of kinds) {
    for (const [metric, struct] of [
      [accuracy, structure],
      [uncertainty, null],
    ]) {
      const rows = distortionSweep
        .filter((p) => (p.kind === kind || p.kind === 'NONE') && p.metric === metric && p.structure === struct)
        .sort((a, b) => a.level - b.level);
      const kept = rows.filter((p) => p.distribution.n > 0);
      const points = kept.map((p) => [
        p.level,
        p.distribution.min,
        p.distribution.q1,
        p.distribution.median,
        p.distribution.q3,
        p.distribution.max,
        p.distribution.n,
      ]);
      const el = h('div', {
        class: 'chart',
        id: `chart-${kind}-${metric}`,
        'data-kind': kind,
        'data-metric': metric,
        'data-structure': struct ?? '',
      });
      grid.append(el);
      const what = struct ? `${metric} (${struct})` : metric;
      drawings.push(() =>
        drawChart(
          el,
          {
            title: { text: `${kind}: ${what} by level`, textStyle: { fontSize: 13 } },
            xAxis: {
              type: 'category',
              name: 'level',
              nameLocation: 'middle',
              nameGap: 26,
              data: points.map((p) => String(p[0])),
            },
            yAxis: { type: 'value', name: what, scale: true },
            series: [
              {
                name: what,
                type: 'boxplot',
                itemStyle: { color: '#fff', borderColor: KIND_COLOURS[kind] ?? '#333' },
                data: points.map((p) => p.slice(1, 6)),
              },
            ],
            tooltip: { trigger: 'item' },
          },
          points,
          `Box plots of ${what} for ${kind} levels ${points.map((p) => p[0]).join(', ')} (level 0: undistorted)`,
        ),
      );
      for (const p of kept)
        tableRows.push([
          kind,
          what,
          `${p.level}`,
          `${p.distribution.n}`,
          num(p.distribution.min),
          num(p.distribution.q1),
          num(p.distribution.median),
          num(p.distribution.q3),
          num(p.distribution.max),
          num(p.distribution.mean),
        ]);
    }
  }
  root.append(
    h('h3', {}, 'The numbers'),
    table(
      ['Kind', 'Measure', 'Level', 'n', 'Min', 'Q1', 'Median', 'Q3', 'Max', 'Mean'],
      tableRows,
      'Distortion sweep distributions',
    ),
  );
  // Drawn once every chart is in the grid: a chart drawn while the grid still grows is laid out again.
  for (const draw of drawings) draw();
  renderFailurePanel(root, { structure, measure, evaluations, answer: await panel, charts: chartModule });
}
