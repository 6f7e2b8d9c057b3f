// Shift: site A against site B per method, from compare() over the undistorted evaluations of
// every trained model on every site.
import { constants, gql } from '../gql.js';
import { h, num, select, table, EVALUATION_FIELDS, shortId } from '../dom.js';
import { drawChart, colourAt } from '../charts.js';
import { updateParams } from '../state.js';

const accuracyOptions = (structures) => structures.flatMap((s) => [[`dice:${s}`, `Dice ${s}`], [`assd:${s}`, `ASSD ${s} (mm)`], [`hd:${s}`, `HD ${s} (mm)`]]);
const CALIBRATION = [['ece', 'ECE'], ['nll', 'NLL'], ['brier', 'Brier'], ['entropy', 'entropy'], ['mi', 'MI']];

function value(row, key) {
  const [metric, structure] = key.split(':');
  if (structure) return row.structures.find((s) => s.structure === structure)?.[metric] ?? null;
  if (metric in row.calibration) return row.calibration[metric];
  return row[metric];
}

export async function render(root, ctx) {
  const { params, scope } = ctx;
  const { structures: STRUCTURES } = await constants();
  const ACCURACY = accuracyOptions(STRUCTURES);
  root.append(h('h2', {}, 'Dataset shift'));
  const data = await gql(`{ evaluations { ${EVALUATION_FIELDS} run { parentRunId } } runs(first: 500, filter: { kind: SWEEP }) { nodes { id } } }`);
  const sweeps = new Set(data.runs.nodes.map((r) => r.id));
  // One evaluation per trained model and site: undistorted, a sweep's level 0 only when nothing
  // else exists, then the most samples, then the newest (the list comes newest first).
  const best = new Map();
  for (const e of data.evaluations.filter((x) => x.distortionKind === 'NONE')) {
    const key = `${e.trainingRunId}|${e.dataset.site}`;
    const rank = (x) => [sweeps.has(x.run.parentRunId) ? 0 : 1, x.samples];
    const held = best.get(key);
    if (!held || rank(e)[0] > rank(held)[0] || (rank(e)[0] === rank(held)[0] && rank(e)[1] > rank(held)[1])) best.set(key, e);
  }
  const evaluations = [...best.values()];
  if (!evaluations.length) { root.append(h('p', { class: 'empty' }, 'No undistorted evaluations yet.')); return; }
  const acc = ACCURACY.some(([k]) => k === params.get('acc')) ? params.get('acc') : 'dice:LV';
  const cal = CALIBRATION.some(([k]) => k === params.get('cal')) ? params.get('cal') : 'ece';
  root.append(h('div', { class: 'toolbar' },
    select('Accuracy', 'acc', ACCURACY, acc, (v) => updateParams({ acc: v })),
    select('Calibration / uncertainty', 'cal', CALIBRATION, cal, (v) => updateParams({ cal: v }))));

  const { compare } = await gql(`query($ids: [ID!]!, $scope: SliceScope) { compare(evaluationIds: $ids, scope: $scope) {
    evaluationId method trainingRunId site entropy mi
    structures { structure n dice assd hd poorCount } calibration { ece nll brier } } }`, { ids: evaluations.map((e) => e.id).slice(0, 50), scope });

  // One category per trained model (method, plus the run when a method was trained more than once).
  const trainings = [...new Map(compare.map((r) => [r.trainingRunId, r.method])).entries()];
  const repeated = (m) => trainings.filter(([, x]) => x === m).length > 1;
  const categories = trainings.map(([id, m]) => ({ id, label: repeated(m) ? `${m} ${shortId(id)}` : m ?? '?' }));
  const sites = [...new Set(compare.map((r) => r.site ?? '?'))].sort();
  const rowFor = (trainingRunId, site) => compare.find((r) => r.trainingRunId === trainingRunId && (r.site ?? '?') === site);

  const grid = h('div', { class: 'grid' });
  root.append(grid);
  for (const [key, label, id] of [[acc, ACCURACY.find(([k]) => k === acc)[1], 'chart-shift-accuracy'], [cal, CALIBRATION.find(([k]) => k === cal)[1], 'chart-shift-calibration']]) {
    const el = h('div', { class: 'chart', id });
    grid.append(el);
    const points = sites.map((site) => ({ site, values: categories.map((c) => { const r = rowFor(c.id, site); return r ? value(r, key) : null; }) }));
    drawChart(el, {
      title: { text: `${label}: site against site`, textStyle: { fontSize: 13 } },
      legend: { top: 22 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: categories.map((c) => c.label) },
      yAxis: { type: 'value', name: label },
      series: points.map((p, i) => ({ name: `site ${p.site}`, type: 'bar', data: p.values.map((v) => v ?? '-'), color: colourAt(i) })),
    }, { categories: categories.map((c) => c.label), series: points }, `${label} per method for sites ${sites.join(' and ')}`);
  }

  const rows = [];
  for (const c of categories) {
    for (const site of sites) {
      const r = rowFor(c.id, site);
      if (!r) continue;
      rows.push([c.label, `site ${site} (T=${evaluations.find((e) => e.id === r.evaluationId).samples})`, ...STRUCTURES.map((s) => num(value(r, `dice:${s}`))), ...STRUCTURES.map((s) => num(value(r, `assd:${s}`), 2)),
        num(r.calibration.ece, 4), num(r.calibration.nll, 4), num(r.entropy, 4), num(r.mi, 4)]);
    }
  }
  root.append(h('h3', {}, 'Per method and site'),
    h('p', { class: 'note' }, 'One undistorted evaluation per trained model and site (outside sweeps first, then the most samples, then the newest).'),
    table(['Method', 'Site', 'Dice LV', 'Dice MYO', 'Dice RV', 'ASSD LV', 'ASSD MYO', 'ASSD RV', 'ECE', 'NLL', 'Entropy', 'MI'], rows, 'Accuracy and calibration per method and site'));
}
