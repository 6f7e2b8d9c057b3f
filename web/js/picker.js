// The evaluation picker: evaluations grouped by variant × site × distortion (each group folds, says
// how many of its evaluations are ticked), a text filter over the labels, and the study's default
// selection. Labels and variants are the API's (Evaluation.label, Evaluation.variant).
import { h } from './dom.js';

const groupKey = (e) =>
  `${e.variant} · site ${e.dataset?.site ?? '?'} · ${e.distortionKind === 'NONE' ? 'undistorted' : e.distortionKind}`;

/**
 * The study's headline selection: per trained model, its undistorted site-A TEST evaluation that
 * finished (most samples, then newest; the list comes newest first); with `siteB` also the same
 * model's undistorted site-B evaluation.
 */
export function defaultSelection(evaluations, { siteB = false } = {}) {
  const finished = evaluations.filter((e) => e.distortionKind === 'NONE' && e.run?.status === 'SUCCEEDED');
  const pick = (site, split) => {
    const best = new Map();
    for (const e of finished.filter((x) => x.dataset?.site === site && (!split || x.split === split))) {
      const held = best.get(e.trainingRunId);
      if (!held || e.samples > held.samples) best.set(e.trainingRunId, e);
    }
    return best;
  };
  const a = pick('A', 'TEST');
  const ids = [...a.values()].sort((x, y) => x.label.localeCompare(y.label)).map((e) => e.id);
  if (siteB) {
    const b = pick('B', null);
    for (const trainingRunId of [...a.keys()]) if (b.has(trainingRunId)) ids.push(b.get(trainingRunId).id);
  }
  return ids;
}

/** A fieldset of grouped checkboxes; `onChange(ids)` gets the new selection. */
export function evaluationPicker(
  evaluations,
  chosen,
  onChange,
  { legend = 'Evaluations', defaults = defaultSelection(evaluations) } = {},
) {
  const groups = new Map();
  for (const e of [...evaluations].sort(
    (x, y) =>
      groupKey(x).localeCompare(groupKey(y)) || x.distortionLevel - y.distortionLevel || x.label.localeCompare(y.label),
  )) {
    if (!groups.has(groupKey(e))) groups.set(groupKey(e), []);
    groups.get(groupKey(e)).push(e);
  }
  const filter = h('input', {
    type: 'search',
    id: 'picker-filter',
    placeholder: 'e.g. MCD site B NOISE 3',
    'aria-label': 'Filter evaluations by label',
  });
  const sections = [...groups].map(([key, members]) => {
    const ticked = members.filter((e) => chosen.includes(e.id)).length;
    return h(
      'details',
      { class: 'group', open: ticked > 0, 'data-group': key },
      h('summary', {}, `${key} `, h('span', { class: 'note' }, `(${ticked}/${members.length})`)),
      h(
        'div',
        { class: 'checks' },
        members.map((e) =>
          h(
            'label',
            { 'data-label': e.label.toLowerCase() },
            h('input', {
              type: 'checkbox',
              value: e.id,
              checked: chosen.includes(e.id),
              onchange: (ev) => {
                onChange(ev.target.checked ? [...chosen, e.id] : chosen.filter((id) => id !== e.id));
              },
            }),
            ` ${e.label}${e.run?.status && e.run.status !== 'SUCCEEDED' ? ` (${e.run.status})` : ''}`,
          ),
        ),
      ),
    );
  });
  filter.addEventListener('input', () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const section of sections) {
      let shown = 0;
      for (const label of section.querySelectorAll('label')) {
        const text = `${section.dataset.group.toLowerCase()} ${label.dataset.label}`;
        label.hidden = !words.every((w) => text.includes(w));
        if (!label.hidden) shown++;
      }
      section.hidden = shown === 0;
      if (words.length) section.open = shown > 0;
    }
  });
  return h(
    'fieldset',
    { class: 'panel picker', id: 'evaluation-picker' },
    h('legend', {}, legend),
    h(
      'div',
      { class: 'toolbar' },
      filter,
      h('button', { type: 'button', onclick: () => onChange(defaults) }, 'Study default'),
      h('span', { class: 'note' }, `${chosen.length} of ${evaluations.length} selected`),
    ),
    sections,
  );
}
