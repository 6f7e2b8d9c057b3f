// Biomarkers: per subject of one evaluation or inference the LV/RV volumes, EF and MYO mass of the
// mean segmentation with their 95 % posterior intervals and the ground truth (Evaluation.biomarkers,
// Inference.biomarkers); for an evaluation also the agreement with the ground truth
// (biomarkerAgreement: Bland–Altman bias and limits, r, MAE, interval coverage) and a Bland–Altman
// chart (docs/design.md "Dashboard" → "Biomarkers").
import { gql } from '../gql.js';
import { h, num, select, shortId, table, EVALUATION_FIELDS } from '../dom.js';
import { drawChart, colourAt } from '../charts.js';
import { updateParams } from '../state.js';

// The biomarkers shown, with their unit and display scale (EF as a percentage).
const BIOMARKERS = [
  ['LV_EF', 'LV EF', '%', 100],
  ['RV_EF', 'RV EF', '%', 100],
  ['LV_EDV_ML', 'LV EDV', 'ml', 1],
  ['LV_ESV_ML', 'LV ESV', 'ml', 1],
  ['RV_EDV_ML', 'RV EDV', 'ml', 1],
  ['RV_ESV_ML', 'RV ESV', 'ml', 1],
  ['MYO_MASS_ED_G', 'MYO mass ED', 'g', 1],
];
const meta = (key) => BIOMARKERS.find(([k]) => k === key);
const shown = (key, x) => (x === null || x === undefined ? null : x * meta(key)[3]);

const SUBJECT_FIELDS = `subjectId externalId group split status reason samples truthStatus
  values { biomarker value truth covered posterior { mean sd q025 q975 } }
  flags { structure flagged reasons { kind threshold width } }`;
const AGREEMENT_FIELDS = `subjects leftOut
  biomarkers { biomarker n undefinedCount bias sdDiff lower upper pearsonR mae coverage covered coverageN }`;

/** Biomarkers need whole stacks: only the subject-level filters apply. */
function subjectScope(scope) {
  if (!scope) return null;
  const out = {};
  for (const key of ['split', 'site', 'group']) if (scope[key]) out[key] = scope[key];
  return Object.keys(out).length ? out : null;
}

function cell(key, v) {
  if (!v) return '—';
  const iv = v.posterior ? ` [${num(shown(key, v.posterior.q025), 1)}, ${num(shown(key, v.posterior.q975), 1)}]` : '';
  const truth = v.truth === null ? '' : ` · truth ${num(shown(key, v.truth), 1)}${v.covered === false ? ' ✗' : ''}`;
  return `${num(shown(key, v.value), 1)}${iv}${truth}`;
}

function flagText(flags) {
  const on = flags.filter((f) => f.flagged);
  if (!on.length) return flags.length ? 'no' : '—';
  return on
    .map(
      (f) =>
        `${f.structure}: ${f.reasons
          .map((r) =>
            r.kind === 'CROSSES'
              ? `crosses ${num(100 * r.threshold, 0)} %`
              : r.kind === 'WIDE'
                ? 'wide'
                : 'EF undefined',
          )
          .join(', ')}`,
    )
    .join('; ');
}

/** [lo, hi] around `values` with 10 % room, rounded outward to a tenth of the span's decade. */
function paddedRange(values) {
  if (!values.length) return [null, null];
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const span = hi - lo || Math.abs(hi) || 1;
  const exponent = Math.floor(Math.log10(span)) - 1;
  const step = 10 ** exponent;
  const round = (x) => Number(x.toFixed(Math.max(0, -exponent)));
  return [round(Math.floor((lo - 0.1 * span) / step) * step), round(Math.ceil((hi + 0.1 * span) / step) * step)];
}

export async function render(root, ctx) {
  const { params } = ctx;
  root.append(h('h2', {}, 'Clinical biomarkers'));
  const lists = await gql(`{ evaluations { ${EVALUATION_FIELDS} }
    inferences(first: 100) { nodes { id createdAt samples run { status } } } }`);
  const evaluations = lists.evaluations.filter((e) => e.distortionKind === 'NONE' && e.run?.status === 'SUCCEEDED');
  const inferences = lists.inferences.nodes.filter((i) => i.run.status === 'SUCCEEDED');
  // Default: the study's first site-A test evaluation (evaluations come newest first).
  const fallback = evaluations.find((e) => e.dataset?.site === 'A' && e.split === 'TEST') ?? evaluations[0] ?? null;
  const chosen = params.get('inference')
    ? { kind: 'inference', id: params.get('inference') }
    : params.get('evaluation')
      ? { kind: 'evaluation', id: params.get('evaluation') }
      : fallback && { kind: 'evaluation', id: fallback.id };
  const biomarker = meta(params.get('biomarker')) ? params.get('biomarker') : 'LV_EF';

  const source = h(
    'label',
    {},
    'Results ',
    h(
      'select',
      {
        name: 'source',
        onchange: (e) => {
          const [kind, id] = e.target.value.split(':');
          updateParams({ evaluation: kind === 'evaluation' ? id : '', inference: kind === 'inference' ? id : '' });
        },
      },
      h(
        'optgroup',
        { label: 'Evaluations (undistorted)' },
        evaluations.map((e) => h('option', { value: `evaluation:${e.id}`, selected: chosen?.id === e.id }, e.label)),
      ),
      h(
        'optgroup',
        { label: 'Inferences' },
        inferences.map((i) =>
          h(
            'option',
            { value: `inference:${i.id}`, selected: chosen?.id === i.id },
            `inference ${shortId(i.id)} · T ${i.samples} · ${i.createdAt.slice(0, 16).replace('T', ' ')}`,
          ),
        ),
      ),
    ),
  );
  root.append(
    h(
      'div',
      { class: 'toolbar' },
      source,
      select(
        'Chart',
        'biomarker',
        BIOMARKERS.map(([k, label]) => [k, label]),
        biomarker,
        (v) => updateParams({ biomarker: v }),
      ),
    ),
  );
  if (!chosen) {
    root.append(h('p', { class: 'empty' }, 'No finished evaluation or inference yet.'));
    return;
  }

  const scope = subjectScope(ctx.scope);
  let subjects;
  let agreement = null;
  if (chosen.kind === 'evaluation') {
    const d = await gql(
      `query($id: ID!, $scope: SliceScope) { evaluation(id: $id) { biomarkers(scope: $scope) { ${SUBJECT_FIELDS} } }
        biomarkerAgreement(evaluationId: $id, scope: $scope) { ${AGREEMENT_FIELDS} } }`,
      { id: chosen.id, scope },
    );
    if (!d.evaluation) throw new Error(`no evaluation ${chosen.id}`);
    subjects = d.evaluation.biomarkers;
    agreement = d.biomarkerAgreement;
  } else {
    const d = await gql(`query($id: ID!) { inference(id: $id) { biomarkers { ${SUBJECT_FIELDS} } } }`, {
      id: chosen.id,
    });
    if (!d.inference) throw new Error(`no inference ${chosen.id}`);
    subjects = d.inference.biomarkers;
  }
  const ok = subjects.filter((s) => s.status === 'OK');
  root.append(
    h(
      'p',
      {},
      `${subjects.length} subjects, ${ok.length} with biomarkers` +
        `${ok.length ? `, ${ok.filter((s) => s.truthStatus === 'OK').length} with ground truth` : ''}` +
        `${ctx.scope?.phase || ctx.scope?.positionMin || ctx.scope?.positionMax ? ' (phase and position filters do not apply: a volume needs whole stacks)' : ''}.`,
    ),
  );

  const [, label, unit] = meta(biomarker);
  const valueOf = (s) => s.values.find((v) => v.biomarker === biomarker);
  const grid = h('div', { class: 'grid' });
  root.append(grid);

  // Per-subject intervals: the posterior mean with its 2.5–97.5 % interval, S̄'s value and the truth.
  const withInterval = ok.filter((s) => valueOf(s)?.posterior);
  const intervalEl = h('div', { class: 'chart', id: 'chart-biomarker-intervals' });
  grid.append(intervalEl);
  const rows = withInterval.map((s) => {
    const v = valueOf(s);
    return {
      subject: s.externalId,
      value: v.value,
      mean: v.posterior.mean,
      q025: v.posterior.q025,
      q975: v.posterior.q975,
      truth: v.truth,
    };
  });
  drawChart(
    intervalEl,
    {
      title: { text: `${label} per subject: 95 % posterior interval`, textStyle: { fontSize: 13 } },
      legend: { top: 22 },
      xAxis: { type: 'category', data: rows.map((r) => r.subject), axisLabel: { rotate: 45 } },
      yAxis: { type: 'value', name: `${label} (${unit})`, scale: true },
      series: [
        {
          name: '95 % interval',
          type: 'custom',
          color: colourAt(0),
          renderItem: (_params, api) => {
            const lo = api.coord([api.value(0), api.value(1)]);
            const hi = api.coord([api.value(0), api.value(2)]);
            const w = api.size([1, 0])[0] * 0.25;
            const style = api.style({ stroke: colourAt(0), lineWidth: 2 });
            const line = (x1, y1, x2, y2) => ({ type: 'line', shape: { x1, y1, x2, y2 }, style });
            return {
              type: 'group',
              children: [
                line(lo[0], lo[1], hi[0], hi[1]),
                line(lo[0] - w, lo[1], lo[0] + w, lo[1]),
                line(hi[0] - w, hi[1], hi[0] + w, hi[1]),
              ],
            };
          },
          encode: { x: 0, y: [1, 2] },
          data: rows.map((r, i) => [i, shown(biomarker, r.q025), shown(biomarker, r.q975)]),
        },
        {
          name: 'posterior mean',
          type: 'scatter',
          color: colourAt(0),
          data: rows.map((r) => shown(biomarker, r.mean)),
        },
        {
          name: 'mean segmentation',
          type: 'scatter',
          symbol: 'diamond',
          color: colourAt(3),
          data: rows.map((r) => shown(biomarker, r.value) ?? '-'),
        },
        {
          name: 'ground truth',
          type: 'scatter',
          symbol: 'triangle',
          color: '#222',
          data: rows.map((r) => shown(biomarker, r.truth) ?? '-'),
        },
      ],
      tooltip: { trigger: 'axis' },
    },
    { biomarker, subjects: rows },
    `${label} per subject: posterior mean and 95 % interval, mean segmentation and ground truth`,
  );

  // Bland–Altman: each subject at (mean of predicted and true, predicted − true), with bias and limits.
  if (agreement) {
    const a = agreement.biomarkers.find((b) => b.biomarker === biomarker);
    const points = ok.flatMap((s) => {
      const v = valueOf(s);
      return v && v.value !== null && v.truth !== null
        ? [{ subject: s.externalId, mean: (v.value + v.truth) / 2, diff: v.value - v.truth }]
        : [];
    });
    const baEl = h('div', { class: 'chart', id: 'chart-bland-altman' });
    grid.append(baEl);
    const lines = [
      ['bias', a?.bias],
      ['bias − 1.96 SD', a?.lower],
      ['bias + 1.96 SD', a?.upper],
    ].filter(([, y]) => y !== null && y !== undefined);
    const ys = [...points.map((p) => shown(biomarker, p.diff)), ...lines.map(([, y]) => shown(biomarker, y))];
    const range = paddedRange(ys);
    drawChart(
      baEl,
      {
        title: { text: `Bland–Altman: ${label}`, textStyle: { fontSize: 13 } },
        xAxis: {
          type: 'value',
          name: `mean of predicted and true (${unit})`,
          nameLocation: 'middle',
          nameGap: 28,
          scale: true,
        },
        // The axis spans the limits too (ECharts sizes it to the points alone).
        yAxis: { type: 'value', name: `predicted − true (${unit})`, min: range[0], max: range[1] },
        series: [
          {
            name: 'subjects',
            type: 'scatter',
            color: colourAt(0),
            data: points.map((p) => [shown(biomarker, p.mean), shown(biomarker, p.diff), p.subject]),
            markLine: {
              symbol: 'none',
              label: { formatter: '{b}', position: 'insideEndTop' },
              data: lines.map(([name, y]) => ({
                name,
                yAxis: shown(biomarker, y),
                lineStyle: { type: name === 'bias' ? 'solid' : 'dashed', color: '#444' },
              })),
            },
          },
        ],
      },
      { biomarker, points, bias: a?.bias ?? null, lower: a?.lower ?? null, upper: a?.upper ?? null },
      `Bland–Altman plot of ${label}: difference against mean, bias and limits of agreement`,
    );
    root.append(
      h('h3', {}, 'Agreement with the ground truth'),
      h(
        'p',
        {},
        `${agreement.subjects} subjects with biomarkers and ground truth, ${agreement.leftOut} left out. ` +
          'Limits of agreement = bias ± 1.96 SD; coverage = ground truth inside the 95 % interval (a calibrated method covers ≈ 95 %).',
      ),
      h(
        'div',
        { id: 'biomarker-agreement' },
        table(
          ['Biomarker', 'n', 'Bias', 'Limits of agreement', 'r', 'MAE', '95 % coverage'],
          BIOMARKERS.map(([key, name, u]) => {
            const r = agreement.biomarkers.find((b) => b.biomarker === key);
            if (!r) return [`${name} (${u})`, '—', '—', '—', '—', '—', '—'];
            return [
              `${name} (${u})`,
              String(r.n),
              num(shown(key, r.bias), 2),
              r.lower === null ? '—' : `[${num(shown(key, r.lower), 2)}, ${num(shown(key, r.upper), 2)}]`,
              num(r.pearsonR, 3),
              num(shown(key, r.mae), 2),
              r.coverage === null ? '—' : `${num(100 * r.coverage, 0)} % (${r.covered} of ${r.coverageN})`,
            ];
          }),
          'Agreement of the mean segmentation with the ground truth per biomarker',
        ),
      ),
    );
  } else {
    grid.append(
      h(
        'p',
        { class: 'empty' },
        'Agreement and the Bland–Altman chart are computed for evaluations (whose ground truth the study compared with); an inference shows its ground truth per subject where every slice is labelled.',
      ),
    );
  }

  root.append(
    h('h3', {}, 'Per subject'),
    h(
      'div',
      { id: 'biomarker-subjects' },
      table(
        ['Subject', 'Group', 'Status', 'T', ...BIOMARKERS.map(([, name, u]) => `${name} (${u}) [95 %]`), 'EF flag'],
        subjects.map((s) =>
          s.status === 'OK'
            ? [
                s.externalId,
                s.group ?? '—',
                s.truthStatus === 'OK' ? 'OK' : `OK (truth ${s.truthStatus.toLowerCase()})`,
                String(s.samples),
                ...BIOMARKERS.map(([key]) =>
                  cell(
                    key,
                    s.values.find((v) => v.biomarker === key),
                  ),
                ),
                flagText(s.flags),
              ]
            : [s.externalId, s.group ?? '—', `${s.status}: ${s.reason}`, '—', ...BIOMARKERS.map(() => '—'), '—'],
        ),
        'Biomarkers per subject: mean segmentation, 95 % posterior interval and ground truth',
      ),
    ),
  );
}
