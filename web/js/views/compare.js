// Compare: methods side by side — accuracy and calibration table, reliability diagrams, QC curves
// per structure with the random and slice-position baselines and their AUC, and the review
// fraction needed to leave at most `target` poor segmentations (slider).
import { constants, gql, inBatches } from '../gql.js';
import { h, num, pct, table, EVALUATION_FIELDS, select } from '../dom.js';
import { defaultSelection, evaluationPicker } from '../picker.js';
import { drawChart, colourAt } from '../charts.js';
import { updateParams } from '../state.js';

// compare(evaluationIds) takes at most 50 ids; the QC curves go one evaluation per request (6 aliases each).
const COMPARE_BATCH = 50;
const CURVE = 'auc n poor reviewAt(target: $target) points { flagged remaining }';

export async function render(root, ctx) {
  const { params, scope } = ctx;
  const { structures: STRUCTURES, uncertaintyMeasures: MEASURES } = await constants();
  const all = (await gql(`{ evaluations { ${EVALUATION_FIELDS} } }`)).evaluations;
  if (!all.length) {
    root.append(
      h('h2', {}, 'Compare'),
      h('p', { class: 'empty' }, 'No evaluations yet: train a model and evaluate it from the Runs view.'),
    );
    return;
  }
  const chosen =
    params
      .get('evals')
      ?.split(',')
      .filter((id) => all.some((e) => e.id === id)) ?? defaultSelection(all);
  const measure = MEASURES.includes(params.get('measure')) ? params.get('measure') : 'ENTROPY';
  const target = Math.min(0.5, Math.max(0, Number(params.get('target') ?? 0.05)));
  const selected = chosen.map((id) => all.find((e) => e.id === id));
  const labelOf = new Map(all.map((e) => [e.id, e.label]));

  const picker = evaluationPicker(all, chosen, (next) => updateParams({ evals: next.join(',') || '-' }), {
    legend: 'Evaluations to compare',
  });
  root.append(h('h2', {}, 'Compare'), picker);
  if (!selected.length) {
    root.append(h('p', { class: 'empty' }, 'Select at least one evaluation.'));
    return;
  }

  const compare = await inBatches(
    chosen,
    COMPARE_BATCH,
    async (ids) =>
      (
        await gql(
          `query($ids: [ID!]!, $scope: SliceScope) { compare(evaluationIds: $ids, scope: $scope) {
    evaluationId method site distortionKind distortionLevel entropy mi
    structures { structure n kept undefinedCount poorCount dice assd hd hd95 diceWithin assdWithin }
    calibration { bins ece nll brier points { binCentre confidence accuracy count } } } }`,
          { ids, scope },
        )
      ).compare,
  );

  // Accuracy and calibration table
  const rows = [];
  for (const r of compare) {
    for (const s of r.structures) {
      rows.push([
        labelOf.get(r.evaluationId),
        s.structure,
        `${s.n}`,
        num(s.dice),
        num(s.assd, 2),
        num(s.hd, 2),
        num(s.hd95, 2),
        num(s.diceWithin),
        `${s.poorCount}/${s.n}`,
        s.structure === 'LV' ? num(r.calibration.ece, 4) : '',
        s.structure === 'LV' ? num(r.calibration.nll, 4) : '',
        s.structure === 'LV' ? num(r.calibration.brier, 4) : '',
        s.structure === 'LV' ? num(r.entropy, 4) : '',
        s.structure === 'LV' ? num(r.mi, 4) : '',
      ]);
    }
  }
  root.append(
    h('h3', {}, 'Accuracy and calibration'),
    table(
      [
        'Evaluation',
        'Structure',
        'Slices',
        'Dice',
        'ASSD mm',
        'HD mm',
        'HD95 mm',
        'Dice within',
        'Poor',
        'ECE',
        'NLL',
        'Brier',
        'Entropy',
        'MI',
      ],
      rows,
      'Accuracy and calibration per evaluation and structure',
    ),
  );

  // Reliability diagram: one line per evaluation over the non-empty bins, diagonal for reference.
  const reliability = h('div', { class: 'chart', id: 'chart-reliability' });
  root.append(h('h3', {}, 'Reliability diagram'), reliability);
  const byChoice = [...compare].sort((a, b) => chosen.indexOf(a.evaluationId) - chosen.indexOf(b.evaluationId));
  const relPoints = byChoice.map((r) => ({
    evaluationId: r.evaluationId,
    points: r.calibration.points
      .filter((p) => p.count > 0 && p.confidence !== null)
      .map((p) => [p.confidence, p.accuracy]),
  }));
  drawChart(
    reliability,
    {
      title: { text: 'Accuracy against confidence (pixels)', textStyle: { fontSize: 13 } },
      legend: { top: 26, type: 'scroll' },
      xAxis: { type: 'value', name: 'confidence', nameLocation: 'middle', nameGap: 26, min: 0, max: 1 },
      yAxis: { type: 'value', name: 'accuracy', min: 0, max: 1 },
      series: [
        {
          name: 'perfect calibration',
          type: 'line',
          data: [
            [0, 0],
            [1, 1],
          ],
          symbol: 'none',
          lineStyle: { type: 'dashed', color: '#999' },
          silent: true,
        },
        ...relPoints.map((r, i) => ({
          name: labelOf.get(r.evaluationId),
          type: 'line',
          data: r.points,
          color: colourAt(i),
          symbolSize: 6,
        })),
      ],
    },
    relPoints,
    'Reliability diagram: fraction correct against mean confidence per bin, for each selected evaluation',
  );

  // QC curves
  const qcSection = h('section', { 'aria-label': 'Quality control' });
  const slider = h('input', {
    type: 'range',
    min: '0',
    max: '0.3',
    step: '0.01',
    value: String(target),
    id: 'qc-target',
    'aria-describedby': 'qc-target-value',
  });
  const targetText = h('output', { id: 'qc-target-value', for: 'qc-target' }, pct(target));
  root.append(
    h('h3', {}, 'Segmentation quality control'),
    h(
      'div',
      { class: 'toolbar' },
      select(
        'Uncertainty measure',
        'measure',
        MEASURES.map((m) => [m, m]),
        measure,
        (v) => updateParams({ measure: v }),
      ),
      h('label', { for: 'qc-target' }, 'Poor segmentations allowed to remain: '),
      slider,
      targetText,
    ),
    qcSection,
  );

  // The QC charts are made once; the slider and the measure redraw them in place.
  const qcCharts = Object.fromEntries(
    STRUCTURES.map((s) => [s, h('div', { class: 'chart', id: `chart-qc-${s}`, 'data-structure': s })]),
  );
  const aucTable = h('div');
  qcSection.append(
    h(
      'p',
      { class: 'note' },
      'Solid: flag by uncertainty; dotted: random review; dashed: most basal and apical slices first. Lower is better.',
    ),
    h(
      'ul',
      { class: 'checks', 'aria-label': 'Colour key' },
      chosen.map((id, i) =>
        h('li', { style: `color: ${colourAt(i)}` }, `■ `, h('span', { style: 'color: var(--fg)' }, labelOf.get(id))),
      ),
    ),
    h('div', { class: 'grid' }, Object.values(qcCharts)),
    aucTable,
  );
  let pending = 0;
  async function drawQc(t) {
    const mine = ++pending;
    const body = `evaluation(id: $id) { id ${STRUCTURES.map(
      (s) => `
      ${s}: qcCurve(structure: ${s}, measure: $measure, scope: $scope) { ${CURVE} }
      ${s}b: baselines(structure: ${s}, scope: $scope) { random { ${CURVE} } slicePosition { ${CURVE} } }`,
    ).join('')} }`;
    const evals = await inBatches(
      chosen,
      1,
      async ([id]) =>
        (
          await gql(`query($id: ID!, $scope: SliceScope, $measure: UncertaintyMeasure!, $target: Float!) { ${body} }`, {
            id,
            scope,
            measure,
            target: t,
          })
        ).evaluation,
    );
    if (mine !== pending || !ctx.isCurrent()) return;
    const aucRows = [];
    for (const structure of STRUCTURES) {
      const el = qcCharts[structure];
      const series = [];
      const points = [];
      evals.forEach((e, i) => {
        const curve = e[structure];
        const base = e[`${structure}b`];
        const name = labelOf.get(e.id);
        if (!curve) {
          aucRows.push([name, structure, '0', '—', '—', '—', '—', '—', '—']);
          return;
        }
        const xy = (c) => c.points.map((p) => [p.flagged, p.remaining]);
        points.push({
          evaluationId: e.id,
          curve: xy(curve),
          random: xy(base.random),
          slicePosition: xy(base.slicePosition),
          auc: curve.auc,
          reviewAt: curve.reviewAt,
        });
        series.push(
          { name, type: 'line', data: xy(curve), color: colourAt(i), symbol: 'none', step: false },
          {
            name: `${name} · random`,
            type: 'line',
            data: xy(base.random),
            color: colourAt(i),
            symbol: 'none',
            lineStyle: { type: 'dotted', width: 1 },
          },
          {
            name: `${name} · slice position`,
            type: 'line',
            data: xy(base.slicePosition),
            color: colourAt(i),
            symbol: 'none',
            lineStyle: { type: 'dashed', width: 1 },
          },
        );
        aucRows.push([
          name,
          structure,
          `${curve.n}`,
          `${curve.poor}`,
          num(curve.auc, 4),
          num(base.random.auc, 4),
          num(base.slicePosition.auc, 4),
          pct(curve.reviewAt),
          pct(base.slicePosition.reviewAt),
        ]);
      });
      if (series.length)
        series[0].markLine = {
          silent: true,
          symbol: 'none',
          label: { formatter: `target ${pct(t)}`, position: 'insideEndTop' },
          lineStyle: { color: '#f5a524' },
          data: [{ yAxis: t }],
        };
      drawChart(
        el,
        {
          title: { text: `${structure}: poor remaining vs flagged (${measure})`, textStyle: { fontSize: 13 } },
          legend: { show: false },
          tooltip: { trigger: 'axis' },
          xAxis: {
            type: 'value',
            name: 'fraction flagged for review',
            nameLocation: 'middle',
            nameGap: 26,
            min: 0,
            max: 1,
          },
          yAxis: { type: 'value', name: 'poor remaining' },
          series,
        },
        points,
        `QC curves for ${structure}: fraction of poor segmentations remaining against fraction of slices flagged, with random (dotted) and slice-position (dashed) baselines`,
      );
    }
    aucTable.replaceChildren(
      table(
        [
          'Evaluation',
          'Structure',
          'Slices',
          'Poor',
          'AUC',
          'AUC random',
          'AUC slice position',
          `Review to leave ≤ ${pct(t)}`,
          'Slice position review',
        ],
        aucRows,
        'QC area under curve and review fraction',
      ),
    );
    qcSection.dataset.target = String(t);
  }

  let debounce = null;
  slider.addEventListener('input', () => {
    const t = Number(slider.value);
    targetText.textContent = pct(t);
    updateParams({ target: t }, { render: false });
    clearTimeout(debounce);
    debounce = setTimeout(() => drawQc(t).catch((e) => ctx.setStatus(e.message, true)), 150);
  });
  await drawQc(target);
  return () => clearTimeout(debounce);
}
