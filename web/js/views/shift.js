// Shift: site A against site B per method, from compare() over the undistorted evaluations of
// every trained model on every site.
import { constants, gql, inBatches } from '../gql.js';
import { h, num, select, table, EVALUATION_FIELDS } from '../dom.js';
import { defaultSelection, evaluationPicker } from '../picker.js';
import { drawChart, colourAt } from '../charts.js';
import { updateParams } from '../state.js';

const accuracyOptions = (structures) =>
  structures.flatMap((s) => [
    [`dice:${s}`, `Dice ${s}`],
    [`assd:${s}`, `ASSD ${s} (mm)`],
    [`hd:${s}`, `HD ${s} (mm)`],
  ]);
const CALIBRATION = [
  ['ece', 'ECE'],
  ['nll', 'NLL'],
  ['brier', 'Brier'],
  ['entropy', 'entropy'],
  ['mi', 'MI'],
];

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
  const all = (await gql(`{ evaluations { ${EVALUATION_FIELDS} } }`)).evaluations.filter(
    (e) => e.distortionKind === 'NONE',
  );
  // By default the study's undistorted site-A TEST evaluation of every model and its site-B counterpart.
  const defaults = defaultSelection(all, { siteB: true });
  const chosen =
    params
      .get('evals')
      ?.split(',')
      .filter((id) => all.some((e) => e.id === id)) ?? defaults;
  const evaluations = chosen.map((id) => all.find((e) => e.id === id));
  root.append(
    evaluationPicker(all, chosen, (next) => updateParams({ evals: next.join(',') || '-' }), {
      legend: 'Undistorted evaluations',
      defaults,
    }),
  );
  if (!evaluations.length) {
    root.append(
      h('p', { class: 'empty' }, all.length ? 'Select at least one evaluation.' : 'No undistorted evaluations yet.'),
    );
    return;
  }
  const acc = ACCURACY.some(([k]) => k === params.get('acc')) ? params.get('acc') : 'dice:LV';
  const cal = CALIBRATION.some(([k]) => k === params.get('cal')) ? params.get('cal') : 'ece';
  root.append(
    h(
      'div',
      { class: 'toolbar' },
      select('Accuracy', 'acc', ACCURACY, acc, (v) => updateParams({ acc: v })),
      select('Calibration / uncertainty', 'cal', CALIBRATION, cal, (v) => updateParams({ cal: v })),
    ),
  );

  const compare = await inBatches(
    chosen,
    50,
    async (ids) =>
      (
        await gql(
          `query($ids: [ID!]!, $scope: SliceScope) { compare(evaluationIds: $ids, scope: $scope) {
    evaluationId method trainingRunId site entropy mi
    structures { structure n dice assd hd poorCount } calibration { ece nll brier } } }`,
          { ids, scope },
        )
      ).compare,
  );

  // One category per trained model, named by the label's first segment (variant, and seed when repeated).
  const modelOf = (evaluationId) => evaluations.find((e) => e.id === evaluationId).label.split(' · ')[0];
  const categories = [...new Map(compare.map((r) => [r.trainingRunId, modelOf(r.evaluationId)])).entries()].map(
    ([id, label]) => ({ id, label }),
  );
  const sites = [...new Set(compare.map((r) => r.site ?? '?'))].sort();
  const rowFor = (trainingRunId, site) =>
    compare.find((r) => r.trainingRunId === trainingRunId && (r.site ?? '?') === site);

  const grid = h('div', { class: 'grid' });
  root.append(grid);
  for (const [key, label, id] of [
    [acc, ACCURACY.find(([k]) => k === acc)[1], 'chart-shift-accuracy'],
    [cal, CALIBRATION.find(([k]) => k === cal)[1], 'chart-shift-calibration'],
  ]) {
    const el = h('div', { class: 'chart', id });
    grid.append(el);
    const points = sites.map((site) => ({
      site,
      values: categories.map((c) => {
        const r = rowFor(c.id, site);
        return r ? value(r, key) : null;
      }),
    }));
    drawChart(
      el,
      {
        title: { text: `${label}: site against site`, textStyle: { fontSize: 13 } },
        legend: { top: 22 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: categories.map((c) => c.label) },
        yAxis: { type: 'value', name: label },
        series: points.map((p, i) => ({
          name: `site ${p.site}`,
          type: 'bar',
          data: p.values.map((v) => v ?? '-'),
          color: colourAt(i),
        })),
      },
      { categories: categories.map((c) => c.label), series: points },
      `${label} per method for sites ${sites.join(' and ')}`,
    );
  }

  const rows = [];
  for (const c of categories) {
    for (const site of sites) {
      const r = rowFor(c.id, site);
      if (!r) continue;
      rows.push([
        c.label,
        evaluations.find((e) => e.id === r.evaluationId).label,
        ...STRUCTURES.map((s) => num(value(r, `dice:${s}`))),
        ...STRUCTURES.map((s) => num(value(r, `assd:${s}`), 2)),
        num(r.calibration.ece, 4),
        num(r.calibration.nll, 4),
        num(r.entropy, 4),
        num(r.mi, 4),
      ]);
    }
  }
  root.append(
    h('h3', {}, 'Per method and site'),
    table(
      [
        'Model',
        'Evaluation',
        'Dice LV',
        'Dice MYO',
        'Dice RV',
        'ASSD LV',
        'ASSD MYO',
        'ASSD RV',
        'ECE',
        'NLL',
        'Entropy',
        'MI',
      ],
      rows,
      'Accuracy and calibration per method and site',
    ),
  );
}
