// Router: the hash names the view and the filters; each view module exports render(root, ctx) and
// may return a cleanup function (stops polling, disposes charts) called before the next view.
import { gql, operatorKey, setOperatorKey } from './gql.js';
import { FILTER_KEYS, readState, scopeOf, updateParams } from './state.js';
import { disposeCharts } from './chart-instances.js';

const loaders = {
  runs: () => import('./views/runs.js'),
  study: () => import('./views/study.js'),
  compare: () => import('./views/compare.js'),
  distortions: () => import('./views/distortions.js'),
  shift: () => import('./views/shift.js'),
  slices: () => import('./views/slices.js'),
  audit: () => import('./views/audit.js'),
  lineage: () => import('./views/lineage.js'),
  triage: () => import('./views/triage.js'),
  biomarkers: () => import('./views/biomarkers.js'),
};

const root = document.getElementById('view');
const statusEl = document.getElementById('status');
const filters = document.getElementById('filters');
let cleanup = null;
let generation = 0;

export function setStatus(text, isError = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle('error', isError);
}

async function fillFilterOptions() {
  const data = await gql('{ datasets(first: 500) { nodes { site } } subjects(first: 500) { nodes { group } } }');
  const add = (name, values) => {
    const el = filters.elements[name];
    for (const v of [...new Set(values.filter(Boolean))].sort()) el.append(new Option(v, v));
  };
  add(
    'site',
    data.datasets.nodes.map((d) => d.site),
  );
  add(
    'group',
    data.subjects.nodes.map((s) => s.group),
  );
}

function syncFilterForm(params) {
  for (const key of FILTER_KEYS) {
    const el = filters.elements[key];
    const value = params.get(key) ?? '';
    if (el.tagName === 'SELECT' && value && ![...el.options].some((o) => o.value === value))
      el.append(new Option(value, value));
    el.value = value;
  }
}

async function route() {
  const { view, params } = readState();
  const mine = ++generation;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    // Links carry the current filters along, so switching views keeps them.
    const carried = new URLSearchParams();
    for (const key of FILTER_KEYS) if (params.get(key)) carried.set(key, params.get(key));
    a.href = `#/${a.dataset.view}${carried.toString() ? `?${carried}` : ''}`;
  }
  syncFilterForm(params);
  document.title = `${view[0].toUpperCase()}${view.slice(1)} · cardiac-uq`;
  if (cleanup) cleanup();
  cleanup = null;
  disposeCharts();
  root.replaceChildren();
  root.dataset.view = view;
  // The state this render is for: data-loaded=true with data-hash = location.hash means the page
  // shows the current URL (a script that changes the hash can wait for exactly that).
  root.dataset.hash = location.hash;
  root.dataset.loaded = 'false';
  setStatus('Loading…');
  try {
    const module = await loaders[view]();
    if (mine !== generation) return;
    const done = await module.render(root, {
      params,
      scope: scopeOf(params),
      setStatus,
      isCurrent: () => mine === generation,
    });
    if (mine !== generation) {
      done?.();
      return;
    }
    cleanup = done ?? null;
    setStatus('');
  } catch (error) {
    if (mine !== generation) return;
    setStatus(error.message, true);
    root.append(
      Object.assign(document.createElement('p'), {
        className: 'error',
        textContent: `Could not load this view: ${error.message}`,
      }),
    );
  }
  root.dataset.loaded = 'true';
}

filters.addEventListener('change', (event) => {
  const el = event.target;
  if (!FILTER_KEYS.includes(el.name)) return;
  if (el.type === 'number' && el.value !== '' && !el.checkValidity()) {
    setStatus(`${el.name}: ${el.validationMessage}`, true);
    return;
  }
  updateParams({ [el.name]: el.value });
});
filters.addEventListener('submit', (event) => event.preventDefault());
document
  .getElementById('clear-filters')
  .addEventListener('click', () => updateParams(Object.fromEntries(FILTER_KEYS.map((k) => [k, '']))));
const keyInput = document.getElementById('operator-key');
keyInput.value = operatorKey();
keyInput.addEventListener('change', () => setOperatorKey(keyInput.value.trim()));

addEventListener('hashchange', route);
fillFilterOptions()
  .catch((error) => setStatus(`Filters: ${error.message}`, true))
  .finally(() => syncFilterForm(readState().params));
route();
