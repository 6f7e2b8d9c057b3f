// Runs: every run with method, status, live progress (polled while any is active), timings;
// start a training or an evaluation, cancel a queued or running one.
import { constants, gql, rootFieldNames } from '../gql.js';
import { h, shortId, num } from '../dom.js';
import { updateParams } from '../state.js';

const RUN_FIELDS =
  'id kind method status progress stage etaSeconds createdBy createdAt startedAt finishedAt error backend parentRunId datasetId';
const POLL_MS = 1500;

function duration(run) {
  if (!run.startedAt) return '—';
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  const s = (end - Date.parse(run.startedAt)) / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export async function render(root, ctx) {
  const kind = ctx.params.get('kind') ?? '';
  const readRuns = () =>
    gql(`query($filter: RunFilter) { runs(first: 200, filter: $filter) { totalCount nodes { ${RUN_FIELDS} } } }`, {
      filter: kind ? { kind } : null,
    });
  // Independent requests, sent together.
  const [{ activeRunStatuses: ACTIVE }, { mutation }, datasetList, firstRuns] = await Promise.all([
    constants(),
    rootFieldNames(),
    gql('{ datasets(first: 500) { nodes { id name site } } }'),
    readRuns(),
  ]);
  const datasets = datasetList.datasets.nodes;
  const body = h('tbody');
  const summary = h('p', { class: 'note', 'aria-live': 'polite' });
  const actions = h('div', { class: 'panel', hidden: true, id: 'run-action' });
  let timer = null;
  let stopped = false;

  const filterBar = h(
    'div',
    { class: 'toolbar' },
    h(
      'label',
      {},
      'Kind ',
      h(
        'select',
        { name: 'kind', onchange: (e) => updateParams({ kind: e.target.value }) },
        ['', 'DATASET', 'TRAIN', 'EVALUATE', 'SWEEP', 'STUDY'].map((k) =>
          h('option', { value: k, selected: k === kind }, k || 'all'),
        ),
      ),
    ),
    mutation.has('startTraining')
      ? h('button', { type: 'button', onclick: () => showTrainingForm() }, 'Start training…')
      : null,
  );

  function showMessage(text, isError) {
    ctx.setStatus(text, isError);
  }

  async function cancel(run) {
    try {
      await gql('mutation($id: ID!) { cancelRun(id: $id) { id status } }', { id: run.id });
      showMessage(`Cancelled ${run.kind.toLowerCase()} run ${shortId(run.id)}`);
    } catch (error) {
      showMessage(error.message, true);
    }
    await refresh();
  }

  function datasetSelect() {
    return h(
      'select',
      { name: 'datasetId', required: true },
      datasets.map((d) => h('option', { value: d.id }, `${d.name} (site ${d.site ?? '?'})`)),
    );
  }

  function openForm(title, fields, submit) {
    const form = h(
      'form',
      { 'aria-label': title },
      h('h3', {}, title),
      h(
        'div',
        { class: 'toolbar' },
        fields,
        h('button', { type: 'submit' }, 'Start'),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              actions.hidden = true;
            },
          },
          'Close',
        ),
      ),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      try {
        const run = await submit(values);
        showMessage(`Started ${run.kind.toLowerCase()} run ${shortId(run.id)}`);
        actions.hidden = true;
        await refresh();
      } catch (error) {
        showMessage(error.message, true);
      }
    });
    actions.replaceChildren(form);
    actions.hidden = false;
    form.querySelector('select, input')?.focus();
  }

  function showEvaluationForm(run) {
    openForm(
      `Evaluate ${run.method} run ${shortId(run.id)}`,
      [
        h('label', {}, 'Dataset ', datasetSelect()),
        h(
          'label',
          {},
          'Split ',
          h(
            'select',
            { name: 'split' },
            ['', 'TRAIN', 'VAL', 'TEST'].map((s) => h('option', { value: s }, s || 'all')),
          ),
        ),
        h(
          'label',
          {},
          'Samples T ',
          h('input', {
            name: 'samples',
            type: 'number',
            min: '1',
            max: '200',
            value: run.method === 'PLAIN' ? '1' : '10',
            required: true,
          }),
        ),
        h('label', {}, h('input', { name: 'storeSamples', type: 'checkbox', value: 'true' }), ' store samples'),
      ],
      async (v) => {
        const input = {
          trainingRunId: run.id,
          datasetId: v.datasetId,
          samples: Number(v.samples),
          storeSamples: v.storeSamples === 'true',
        };
        if (v.split) input.split = v.split;
        return (
          await gql('mutation($input: EvaluationInput!) { startEvaluation(input: $input) { id kind } }', { input })
        ).startEvaluation;
      },
    );
  }

  function showTrainingForm() {
    openForm(
      'Start training',
      [
        h('label', {}, 'Dataset ', datasetSelect()),
        h(
          'label',
          {},
          'Method ',
          h(
            'select',
            { name: 'method' },
            ['PLAIN', 'MC_DROPOUT', 'BBB', 'ENSEMBLE'].map((m) => h('option', { value: m }, m)),
          ),
        ),
        h(
          'label',
          {},
          'Preset ',
          h(
            'select',
            { name: 'preset' },
            ['quick', 'tiny', 'paper'].map((p) => h('option', { value: p }, p)),
          ),
        ),
        h(
          'label',
          {},
          'Epochs ',
          h('input', { name: 'epochs', type: 'number', min: '1', max: '500', placeholder: 'preset' }),
        ),
      ],
      async (v) => {
        const input = { datasetId: v.datasetId, method: v.method, preset: v.preset };
        if (v.epochs) input.epochs = Number(v.epochs);
        return (await gql('mutation($input: TrainingInput!) { startTraining(input: $input) { id kind } }', { input }))
          .startTraining;
      },
    );
  }

  function row(run) {
    const active = ACTIVE.includes(run.status);
    return h(
      'tr',
      { 'data-run-id': run.id, 'data-status': run.status },
      h('th', { scope: 'row', class: 'text' }, h('code', { title: run.id }, shortId(run.id))),
      h('td', { class: 'text' }, run.kind),
      h('td', { class: 'text' }, run.method ?? '—'),
      h(
        'td',
        { class: `text status-${run.status}` },
        run.status,
        run.error ? h('span', { class: 'note', title: run.error }, ' ⚠') : null,
      ),
      h(
        'td',
        {},
        h('progress', { max: '1', value: String(run.progress), 'aria-label': `progress of run ${shortId(run.id)}` }),
        ` ${Math.round(run.progress * 100)}%`,
      ),
      h('td', { class: 'text' }, run.stage ?? ''),
      h('td', {}, run.etaSeconds != null && active ? `${num(run.etaSeconds, 0)} s` : '—'),
      h('td', { class: 'text' }, time(run.createdAt)),
      h('td', {}, duration(run)),
      h('td', { class: 'text' }, run.createdBy),
      h('td', { class: 'text' }, run.backend ?? '—'),
      h(
        'td',
        { class: 'text' },
        active
          ? h(
              'button',
              { type: 'button', onclick: () => cancel(run), 'aria-label': `Cancel run ${shortId(run.id)}` },
              'Cancel',
            )
          : null,
        run.kind === 'TRAIN' && run.status === 'SUCCEEDED' && mutation.has('startEvaluation')
          ? h(
              'button',
              {
                type: 'button',
                onclick: () => showEvaluationForm(run),
                'aria-label': `Evaluate run ${shortId(run.id)}`,
              },
              'Evaluate…',
            )
          : null,
      ),
    );
  }

  async function refresh(prefetched = null) {
    clearTimeout(timer);
    const data = prefetched ?? (await readRuns());
    if (stopped) return;
    const runs = data.runs.nodes;
    body.replaceChildren(...runs.map(row));
    const active = runs.filter((r) => ACTIVE.includes(r.status)).length;
    summary.textContent = `${data.runs.totalCount} runs${runs.length < data.runs.totalCount ? ` (newest ${runs.length} shown)` : ''}; ${active ? `${active} active, refreshing every ${POLL_MS / 1000} s` : 'none active'}.`;
    if (active) timer = setTimeout(() => refresh().catch((e) => ctx.setStatus(e.message, true)), POLL_MS);
  }

  root.append(
    h('h2', {}, 'Runs'),
    filterBar,
    actions,
    summary,
    h(
      'table',
      { id: 'runs-table' },
      h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'Run',
            'Kind',
            'Method',
            'Status',
            'Progress',
            'Stage',
            'ETA',
            'Created',
            'Duration',
            'By',
            'Backend',
            'Actions',
          ].map((x) => h('th', { scope: 'col', class: 'text' }, x)),
        ),
      ),
      body,
    ),
  );
  await refresh(firstRuns);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
