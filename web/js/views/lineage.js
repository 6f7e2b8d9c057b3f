// Lineage: an auditor's view of one stored segmentation (`lineage(predictionId)`): the slice and its
// content hash → the dataset; the evaluation shard → the checkpoints by SHA-256 → the training run
// with its configuration, seed, code version, backend, actor and times; and whether each link
// verifies against the audit event that records it. Opened from the slice viewer, or by an id.
import { gql } from '../gql.js';
import { h, num } from '../dom.js';
import { updateParams } from '../state.js';

const RUN = 'id kind method config seed codeVersion backend actor status createdAt startedAt finishedAt';
const QUERY = `query($id: ID!) { lineage(predictionId: $id) {
  predictionId shard createdAt scope
  evaluation { id label }
  slice { id contentHash subject phase sliceIndex position }
  dataset { id name site source contentHash createdAt }
  checkpoints { id member epoch weightsSha256 backend createdAt }
  training { ${RUN} } evaluationRun { ${RUN} }
  links { name from to status detail auditSeq reason } } }`;

const time = (iso) => (iso ? new Date(iso).toISOString() : '—');

function facts(id, title, rows) {
  return h(
    'section',
    { class: 'panel', id, 'aria-label': title },
    h('h3', {}, title),
    h(
      'dl',
      { class: 'prov' },
      rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]),
    ),
  );
}

function runFacts(id, title, run) {
  return facts(id, title, [
    ['Run', run.id],
    ['Kind · method', `${run.kind} · ${run.method ?? '—'}`],
    ['Seed', String(run.seed ?? '—')],
    ['Code version', run.codeVersion],
    ['Backend', run.backend],
    ['Started by', run.actor],
    ['Created', time(run.createdAt)],
    ['Ran', `${time(run.startedAt)} → ${time(run.finishedAt)} (${run.status})`],
    [
      'Configuration',
      h('details', {}, h('summary', {}, 'as stored'), h('pre', {}, JSON.stringify(run.config, null, 2))),
    ],
  ]);
}

export async function render(root, ctx) {
  const id = ctx.params.get('prediction') ?? '';
  root.append(h('h2', {}, 'Lineage'));
  const input = h('input', {
    name: 'prediction',
    value: id,
    size: 40,
    placeholder: 'prediction id',
    'aria-label': 'Segmentation (prediction) id',
  });
  const form = h(
    'form',
    { class: 'toolbar', 'aria-label': 'Which segmentation' },
    h('label', {}, 'Segmentation ', input),
    h('button', { type: 'submit' }, 'Show lineage'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    updateParams({ prediction: input.value.trim() });
  });
  root.append(form);
  if (!id) {
    root.append(
      h(
        'p',
        { class: 'empty' },
        'Open a segmentation from the Slices view (“Lineage and verification”), or enter its id above.',
      ),
    );
    return;
  }
  const { lineage: l } = await gql(QUERY, { id });
  if (!l) {
    root.append(h('p', { class: 'empty', id: 'lineage-unknown' }, `No stored segmentation has the id ${id}.`));
    return;
  }
  const verified = l.links.filter((x) => x.status === 'VERIFIED').length;
  const links = h(
    'table',
    { id: 'lineage-links' },
    h('caption', { class: 'visually-hidden' }, 'Each link of the lineage and whether it verifies'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Link', 'From', 'To', 'Verifies', 'Why', 'Audit event'].map((x) =>
          h('th', { scope: 'col', class: 'text' }, x),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      l.links.map((x) =>
        h(
          'tr',
          { 'data-status': x.status },
          h('th', { scope: 'row', class: 'text' }, x.name),
          h('td', { class: 'text' }, h('code', {}, x.from)),
          h('td', { class: 'text' }, h('code', {}, x.to)),
          h('td', { class: `text link-${x.status}` }, x.status),
          h('td', { class: 'text' }, x.detail),
          h('td', {}, x.auditSeq ?? '—'),
        ),
      ),
    ),
  );
  links.dataset.points = JSON.stringify(l.links);
  const s = l.slice;
  const d = l.dataset;
  root.append(
    h(
      'p',
      { id: 'lineage-summary', class: verified === l.links.length ? 'note' : 'note error' },
      `${verified} of ${l.links.length} links verify.`,
    ),
    links,
    h('p', { class: 'note' }, `Checked: ${l.scope}. `, h('a', { href: '#/audit' }, 'Audit log and the whole chain')),
    h(
      'div',
      { class: 'grid', id: 'lineage', 'data-prediction-id': l.predictionId },
      facts('lineage-slice', 'Slice', [
        ['Slice', s.id],
        ['Content hash', h('code', {}, s.contentHash)],
        ['Subject · phase · index', `${s.subject} · ${s.phase} · ${s.sliceIndex + 1}`],
        ['Position (base 0, apex 1)', num(s.position, 2)],
      ]),
      facts('lineage-dataset', 'Dataset', [
        ['Dataset', `${d.name} (${d.id})`],
        ['Site · source', `${d.site ?? '?'} · ${d.source}`],
        ['Content hash', h('code', {}, d.contentHash)],
        ['Created', time(d.createdAt)],
      ]),
      facts('lineage-evaluation', 'Segmentation', [
        ['Segmentation', l.predictionId],
        ['Evaluation', `${l.evaluation.label} (${l.evaluation.id})`],
        ['Shard', String(l.shard)],
        ['Stored', time(l.createdAt)],
      ]),
      facts(
        'lineage-checkpoints',
        'Checkpoints',
        l.checkpoints.map((c) => [
          `Member ${c.member}`,
          h('span', {}, h('code', {}, c.weightsSha256), ` · epoch ${c.epoch} · ${c.backend} · ${c.id}`),
        ]),
      ),
      runFacts('lineage-training', 'Training run', l.training),
      runFacts('lineage-evaluation-run', 'Evaluation run', l.evaluationRun),
    ),
  );
}
