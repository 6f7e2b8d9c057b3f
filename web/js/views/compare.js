// Compare: methods side by side — accuracy and calibration table, reliability diagrams, QC curves
// per structure with the random and slice-position baselines and their AUC, and the review
// fraction needed to leave at most `target` poor segmentations (slider). Every figure carries its
// 95 % subject-bootstrap interval; all of it comes from compare(evaluationIds), QC curves included
// (ComparisonRow.qc), one request per 50 evaluations.
import { constants, gql, inBatches } from '../gql.js';
import { h, num, pct, table, EVALUATION_FIELDS, select } from '../dom.js';
import { defaultSelection, evaluationPicker } from '../picker.js';
import { updateParams } from '../state.js';

// compare(evaluationIds) takes at most 50 ids.
const COMPARE_BATCH = 50;
const CI = 'low high';
const CURVE = 'auc n poor points { flagged remaining }';
const ACCURACY = `evaluationId method site distortionKind distortionLevel entropy mi
    structures { structure n kept undefinedCount poorCount dice assd hd hd95 diceWithin assdWithin diceCi95 { ${CI} } assdCi95 { ${CI} } hdCi95 { ${CI} } hd95Ci95 { ${CI} } }
    calibration { bins ece nll brier eceCi95 { ${CI} } nllCi95 { ${CI} } brierCi95 { ${CI} } points { binCentre confidence accuracy count } }`;
const QC = `qc(measure: $measure, target: $target) { structure reviewAt slicePositionReviewAt aucCi95 { ${CI} } reviewAtCi95 { ${CI} }
    curve { ${CURVE} } random { ${CURVE} } slicePosition { ${CURVE} } }`;

/** A figure with its 95 % interval: "0.912 [0.901, 0.925]". */
const withCi = (format, x, ci) => (ci ? `${format(x)} [${format(ci.low)}, ${format(ci.high)}]` : format(x));

/** compare() for `ids` in batches of COMPARE_BATCH, selecting `fields`. */
function compareRows(ids, fields, variables) {
  return inBatches(
    ids,
    COMPARE_BATCH,
    async (batch) =>
      (
        await gql(
          `query($ids: [ID!]!, $scope: SliceScope, $measure: UncertaintyMeasure!, $target: Float!) { compare(evaluationIds: $ids, scope: $scope) { ${fields} } }`,
          { ids: batch, ...variables },
        )
      ).compare,
  );
}

export async function render(root, ctx) {
  const { params, scope } = ctx;
  // The chart library loads while the requests below are answered, not before them.
  const charts = import('../charts.js');
  charts.catch(() => {}); // awaited below; a view that returns early must not leave it unhandled
  const [{ structures: STRUCTURES, uncertaintyMeasures: MEASURES }, listed] = await Promise.all([
    constants(),
    gql(`{ evaluations { ${EVALUATION_FIELDS} } }`),
  ]);
  const all = listed.evaluations;
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

  // The compare request leaves before the page is built: it is most of the wait.
  const answered = selected.length ? compareRows(chosen, `${ACCURACY} ${QC}`, { scope, measure, target }) : null;
  answered?.catch(() => {}); // awaited below, after the page around it is built
  const picker = evaluationPicker(all, chosen, (next) => updateParams({ evals: next.join(',') || '-' }), {
    legend: 'Evaluations to compare',
  });
  root.append(h('h2', {}, 'Compare'), picker);
  if (!selected.length) {
    root.append(h('p', { class: 'empty' }, 'Select at least one evaluation.'));
    return;
  }

  // The sections are built while compare is answered.
  const { drawChart, drawFrame, colourAt } = await charts;
  const accuracy = h('div');
  const reliability = h('div', { class: 'chart', id: 'chart-reliability' });
  const body = h(
    'div',
    {},
    h('h3', {}, 'Accuracy and calibration'),
    accuracy,
    h('p', { class: 'note' }, 'In brackets: 95 % subject-bootstrap intervals (1000 resamples of subjects, seed 0).'),
    h('h3', {}, 'Reliability diagram'),
    reliability,
  );
  root.append(body);

  // Reliability diagram: one line per evaluation over the non-empty bins, diagonal for reference.
  const reliabilityOption = (lines) => ({
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
      ...lines,
    ],
  });
  const reliabilityText =
    'Reliability diagram: fraction correct against mean confidence per bin, for each selected evaluation';

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
  body.append(
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
  const qcOption = (structure, series) => ({
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
  });
  const qcText = (structure) =>
    `QC curves for ${structure}: fraction of poor segmentations remaining against fraction of slices flagged, with random (dotted) and slice-position (dashed) baselines`;

  // The reliability diagram's frame while compare is answered, with its legend (the selection's
  // names, measured once): a page's first drawing is the slowest (the chart library's code runs for
  // the first time), and this one costs no wait. (The QC charts' frames would not pay: drawn after
  // the first, they cost about what they would save.)
  drawFrame(
    reliability,
    reliabilityOption(
      chosen.map((id, i) => ({ name: labelOf.get(id), type: 'line', data: [], color: colourAt(i), symbolSize: 6 })),
    ),
    reliabilityText,
  );

  let compare;
  try {
    compare = await answered;
  } catch (error) {
    body.remove(); // no empty frames under the error
    throw error;
  }
  // Accuracy and calibration table
  const mm = (x) => num(x, 2);
  const num4 = (x) => num(x, 4);
  const rows = [];
  for (const r of compare) {
    for (const s of r.structures) {
      rows.push([
        labelOf.get(r.evaluationId),
        s.structure,
        `${s.n}`,
        withCi(num, s.dice, s.diceCi95),
        withCi(mm, s.assd, s.assdCi95),
        withCi(mm, s.hd, s.hdCi95),
        withCi(mm, s.hd95, s.hd95Ci95),
        num(s.diceWithin),
        `${s.poorCount}/${s.n}`,
        s.structure === 'LV' ? withCi(num4, r.calibration.ece, r.calibration.eceCi95) : '',
        s.structure === 'LV' ? withCi(num4, r.calibration.nll, r.calibration.nllCi95) : '',
        s.structure === 'LV' ? withCi(num4, r.calibration.brier, r.calibration.brierCi95) : '',
        s.structure === 'LV' ? withCi(num4, r.entropy, r.entropyCi95) : '',
        s.structure === 'LV' ? withCi(num4, r.mi, r.miCi95) : '',
      ]);
    }
  }
  accuracy.replaceWith(
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

  const byChoice = [...compare].sort((a, b) => chosen.indexOf(a.evaluationId) - chosen.indexOf(b.evaluationId));
  const relPoints = byChoice.map((r) => ({
    evaluationId: r.evaluationId,
    points: r.calibration.points
      .filter((p) => p.count > 0 && p.confidence !== null)
      .map((p) => [p.confidence, p.accuracy]),
  }));
  drawChart(
    reliability,
    reliabilityOption(
      relPoints.map((r, i) => ({
        name: labelOf.get(r.evaluationId),
        type: 'line',
        data: r.points,
        color: colourAt(i),
        symbolSize: 6,
      })),
    ),
    relPoints,
    reliabilityText,
  );

  let pending = 0;
  const qcOf = (rows) => new Map(rows.map((r) => [r.evaluationId, r.qc]));
  // The first drawing uses the rows already read; the slider asks compare for the QC part again.
  async function drawQc(t, rows = null) {
    const mine = ++pending;
    const byId = qcOf(rows ?? (await compareRows(chosen, `evaluationId ${QC}`, { scope, measure, target: t })));
    const evals = chosen.map((id) => ({ id, qc: byId.get(id) ?? [] }));
    if (mine !== pending || !ctx.isCurrent()) return;
    const aucRows = [];
    for (const structure of STRUCTURES) {
      const el = qcCharts[structure];
      const series = [];
      const points = [];
      evals.forEach((e, i) => {
        const qc = e.qc.find((q) => q.structure === structure);
        const name = labelOf.get(e.id);
        if (!qc) {
          aucRows.push([name, structure, '0', '—', '—', '—', '—', '—', '—']);
          return;
        }
        const { curve } = qc;
        const base = { random: qc.random, slicePosition: qc.slicePosition };
        const xy = (c) => c.points.map((p) => [p.flagged, p.remaining]);
        points.push({
          evaluationId: e.id,
          curve: xy(curve),
          random: xy(base.random),
          slicePosition: xy(base.slicePosition),
          auc: curve.auc,
          reviewAt: qc.reviewAt,
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
          withCi(num4, curve.auc, qc.aucCi95),
          num(base.random.auc, 4),
          num(base.slicePosition.auc, 4),
          withCi(pct, qc.reviewAt, qc.reviewAtCi95),
          pct(qc.slicePositionReviewAt),
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
      drawChart(el, qcOption(structure, series), points, qcText(structure));
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
  await drawQc(target, compare);
  return () => clearTimeout(debounce);
}
