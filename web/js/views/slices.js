// Slice viewer: image with ground truth, prediction, entropy and MI overlays (each with its own
// opacity), the posterior samples as a strip, per-structure metrics and the provenance of the
// stored segmentation. The list sorts by uncertainty ("show me the ones to review") and is a
// listbox: arrow keys, Home and End move through it.
import { gql } from '../gql.js';
import { h, num, select, table, EVALUATION_FIELDS, shortId } from '../dom.js';
import { defaultSelection } from '../picker.js';
import { updateParams } from '../state.js';

const SORTS = [
  ['', 'slice order'],
  ['ENTROPY', 'entropy (most uncertain first)'],
  ['MI', 'mutual information'],
  ['DICE_WITHIN', '1 − Dice within'],
  ['ASSD_WITHIN', 'ASSD within'],
];
const PAGE = 50;
const LAYERS = [
  ['gt', 'Ground truth', 0],
  ['prediction', 'Prediction', 0.6],
  ['entropy', 'Entropy', 0],
  ['mi', 'Mutual information', 0],
];

export async function render(root, ctx) {
  const { params, scope } = ctx;
  root.append(h('h2', {}, 'Slices'));
  const evaluations = (await gql(`{ evaluations { ${EVALUATION_FIELDS} } }`)).evaluations;
  if (!evaluations.length) {
    root.append(h('p', { class: 'empty' }, 'No evaluations yet.'));
    return;
  }
  const evaluationId = evaluations.some((e) => e.id === params.get('eval'))
    ? params.get('eval')
    : (defaultSelection(evaluations)[0] ?? evaluations[0].id);
  const sort = SORTS.some(([k]) => k === params.get('sort')) ? params.get('sort') : 'ENTROPY';
  const opacity = Object.fromEntries(
    LAYERS.map(([key, , initial]) => [key, params.has(`o_${key}`) ? Number(params.get(`o_${key}`)) : initial]),
  );

  root.append(
    h(
      'div',
      { class: 'toolbar' },
      select(
        'Evaluation',
        'eval',
        [...evaluations].sort((a, b) => a.label.localeCompare(b.label)).map((e) => [e.id, e.label]),
        evaluationId,
        (v) => updateParams({ eval: v, slice: '' }),
      ),
      select('Sort by', 'sort', SORTS, sort, (v) => updateParams({ sort: v, slice: '' })),
    ),
  );

  const list = h('ul', { role: 'listbox', id: 'slice-list', tabindex: '0', 'aria-label': 'Evaluated slices' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const count = h('p', { class: 'note' });
  const detail = h('section', { id: 'slice-detail', 'aria-label': 'Selected slice', 'aria-live': 'polite' });
  root.append(h('div', { class: 'slices' }, h('div', {}, count, list, more), detail));

  const items = [];
  let active = -1;
  let cursor = null;
  let loadToken = 0;

  async function loadPage() {
    const data = await gql(
      `query($id: ID!, $scope: SliceScope, $sort: UncertaintyMeasure, $after: String, $first: Int!) { evaluation(id: $id) {
      predictions(scope: $scope, sortBy: $sort, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        nodes { id slice { id subjectId sliceIndex sliceCount phase position } image { entropy mi } metrics { structure poor } } } } }`,
      { id: evaluationId, scope, sort: sort || null, after: cursor, first: PAGE },
    );
    const page = data.evaluation.predictions;
    for (const p of page.nodes) {
      const poor = p.metrics.filter((m) => m.poor).map((m) => m.structure);
      const option = h(
        'li',
        {
          role: 'option',
          id: `opt-${p.id}`,
          'aria-selected': 'false',
          'data-prediction-id': p.id,
          onclick: () =>
            choose(
              items.findIndex((x) => x.p.id === p.id),
              true,
            ),
        },
        h(
          'span',
          {},
          `${p.slice.phase} ${p.slice.sliceIndex + 1}/${p.slice.sliceCount} · pos ${num(p.slice.position, 2)}`,
        ),
        h(
          'span',
          { title: 'entropy / MI (nats)' },
          `H ${num(p.image?.entropy, 3)} · MI ${num(p.image?.mi, 3)}${poor.length ? ` · poor ${poor.join(',')}` : ''}`,
        ),
      );
      items.push({ p, option });
      list.append(option);
    }
    cursor = page.pageInfo.endCursor;
    more.hidden = !page.pageInfo.hasNextPage;
    count.textContent = `${page.totalCount} slices${sort ? `, most uncertain (${sort}) first` : ''}${items.length < page.totalCount ? `; ${items.length} loaded` : ''}.`;
  }
  more.addEventListener('click', () => loadPage().catch((e) => ctx.setStatus(e.message, true)));

  function choose(index, focusList = false) {
    if (index < 0 || index >= items.length) return;
    if (active >= 0) items[active].option.setAttribute('aria-selected', 'false');
    active = index;
    const { p, option } = items[index];
    option.setAttribute('aria-selected', 'true');
    list.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
    if (focusList) list.focus();
    updateParams({ slice: p.id }, { render: false });
    showPrediction(p.id).catch((e) => ctx.setStatus(e.message, true));
  }

  list.addEventListener('keydown', (event) => {
    const moves = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      Home: 0,
      End: items.length - 1,
      PageDown: active + 10,
      PageUp: active - 10,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    choose(Math.max(0, Math.min(items.length - 1, moves[event.key])));
  });

  async function showPrediction(id) {
    const mine = ++loadToken;
    const { prediction: p } = await gql(
      `query($id: ID!) { prediction(id: $id) {
      id labelPng entropyPng miPng samplePngs
      slice { id subjectId phase sliceIndex sliceCount position spacingXMm spacingYMm rows cols contentHash image gt }
      metrics { structure status dice assdMm hdMm hd95Mm diceWithin assdWithinMm poor }
      image { nll brier entropy mi }
      provenance { datasetId datasetHash sliceId sliceHash weightsSha256 checkpointIds trainingRunId evaluationRunId config seed codeVersion backend actor createdAt } } }`,
      { id },
    );
    if (mine !== loadToken || !ctx.isCurrent()) return;
    const sources = { gt: p.slice.gt, prediction: p.labelPng, entropy: p.entropyPng, mi: p.miPng };
    const stack = h(
      'div',
      { class: 'stack', id: 'slice-stack' },
      h('img', {
        src: p.slice.image,
        alt: `MR image, ${p.slice.phase} slice ${p.slice.sliceIndex + 1} of ${p.slice.sliceCount}`,
        'data-layer': 'image',
      }),
      LAYERS.filter(([key]) => sources[key]).map(([key, label]) =>
        h('img', {
          class: 'overlay',
          src: sources[key],
          alt: `${label} overlay`,
          'data-layer': key,
          style: `opacity: ${opacity[key]}`,
        }),
      ),
    );
    const controls = h(
      'div',
      { class: 'layers', role: 'group', 'aria-label': 'Overlay opacity' },
      LAYERS.map(([key, label]) => {
        const available = Boolean(sources[key]);
        const out = h('output', {}, available ? `${Math.round(opacity[key] * 100)}%` : 'not stored');
        const slider = h('input', {
          type: 'range',
          min: '0',
          max: '1',
          step: '0.05',
          value: String(opacity[key]),
          disabled: !available,
          id: `opacity-${key}`,
          'aria-label': `${label} opacity`,
          oninput: (e) => {
            opacity[key] = Number(e.target.value);
            const img = stack.querySelector(`img[data-layer="${key}"]`);
            if (img) img.style.opacity = String(opacity[key]);
            out.textContent = `${Math.round(opacity[key] * 100)}%`;
            updateParams({ [`o_${key}`]: opacity[key] }, { render: false });
          },
        });
        return [h('label', { for: `opacity-${key}` }, label), slider, out];
      }),
    );
    const samples = p.samplePngs.length
      ? h(
          'div',
          { class: 'strip', id: 'samples-strip' },
          p.samplePngs.map((png, t) =>
            h(
              'figure',
              {},
              h(
                'div',
                { class: 'stack' },
                h('img', { src: p.slice.image, alt: '' }),
                h('img', { class: 'overlay', src: png, alt: `sample ${t + 1}`, style: 'opacity: 0.7' }),
              ),
              h('figcaption', {}, `t = ${t + 1}`),
            ),
          ),
        )
      : h('p', { class: 'note', id: 'samples-strip' }, 'No samples stored for this evaluation (storeSamples was off).');
    const metrics = table(
      ['Structure', 'Status', 'Dice', 'ASSD mm', 'HD mm', 'HD95 mm', 'Dice within', 'ASSD within mm', 'Poor'],
      p.metrics.map((m) => [
        m.structure,
        m.status,
        num(m.dice),
        num(m.assdMm, 2),
        num(m.hdMm, 2),
        num(m.hd95Mm, 2),
        num(m.diceWithin),
        num(m.assdWithinMm, 2),
        m.poor ? 'yes' : 'no',
      ]),
      'Per-structure metrics',
    );
    const image = p.image
      ? h(
          'p',
          { class: 'note' },
          `NLL ${num(p.image.nll, 4)} · Brier ${num(p.image.brier, 4)} · entropy ${num(p.image.entropy, 4)} · MI ${num(p.image.mi, 4)} nats · spacing ${num(p.slice.spacingXMm, 2)}×${num(p.slice.spacingYMm, 2)} mm`,
        )
      : null;
    const v = p.provenance;
    const prov = h(
      'dl',
      { class: 'prov', id: 'provenance' },
      [
        ['Dataset', `${v.datasetId} (content ${v.datasetHash})`],
        ['Slice', `${v.sliceId} (content ${v.sliceHash})`],
        ['Weights SHA-256', v.weightsSha256.join('\n')],
        ['Checkpoints', v.checkpointIds.join(', ')],
        ['Training run', v.trainingRunId],
        ['Evaluation run', v.evaluationRunId],
        ['Seed', String(v.seed ?? '—')],
        ['Code version', v.codeVersion],
        ['Backend', v.backend],
        ['Started by', v.actor],
        ['When', new Date(v.createdAt).toISOString()],
      ].flatMap(([k, x]) => [h('dt', {}, k), h('dd', {}, x)]),
    );
    detail.replaceChildren(
      h(
        'h3',
        {},
        `Slice ${shortId(p.slice.id)} · ${p.slice.phase} ${p.slice.sliceIndex + 1}/${p.slice.sliceCount} · position ${num(p.slice.position, 2)}`,
      ),
      h('div', { class: 'viewer' }, stack, h('div', {}, controls, image, metrics)),
      h('h3', {}, `Posterior samples (${p.samplePngs.length})`),
      samples,
      h('h3', {}, 'Provenance'),
      h(
        'div',
        { class: 'panel' },
        prov,
        h('p', {}, h('a', { href: `#/lineage?prediction=${p.id}`, id: 'lineage-link' }, 'Lineage and verification →')),
        h('details', {}, h('summary', {}, 'Configuration'), h('pre', {}, JSON.stringify(v.config, null, 2))),
      ),
    );
    detail.dataset.predictionId = p.id;
  }

  await loadPage();
  if (!items.length) {
    detail.replaceChildren(h('p', { class: 'empty' }, 'No slice of this evaluation is in the filters’ scope.'));
    return;
  }
  const wanted = items.findIndex((x) => x.p.id === params.get('slice'));
  choose(wanted >= 0 ? wanted : 0);
}
