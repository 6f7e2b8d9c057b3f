// View and filters live in the URL hash (#/compare?site=B&split=TEST&evals=…) so any view can be shared.
export const VIEWS = [
  'runs',
  'study',
  'compare',
  'distortions',
  'shift',
  'slices',
  'audit',
  'lineage',
  'triage',
  'biomarkers',
];
export const FILTER_KEYS = ['site', 'split', 'group', 'phase', 'pmin', 'pmax'];

export function readState() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [view, query = ''] = raw.split('?');
  return { view: VIEWS.includes(view) ? view : 'runs', params: new URLSearchParams(query) };
}

export function hrefOf(view, params) {
  const qs = params.toString();
  return `#/${view}${qs ? `?${qs}` : ''}`;
}

/** Changes URL parameters; `render: false` records them without re-rendering the view. */
export function updateParams(patch, { render = true } = {}) {
  const { view, params } = readState();
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === null || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  const href = hrefOf(view, params);
  if (render) location.hash = href;
  else history.replaceState(null, '', href);
}

/** The GraphQL `SliceScope` the filters describe, or null when none is set. */
export function scopeOf(params) {
  const scope = {};
  for (const key of ['site', 'split', 'group', 'phase']) if (params.get(key)) scope[key] = params.get(key);
  if (params.get('pmin')) scope.positionMin = Number(params.get('pmin'));
  if (params.get('pmax')) scope.positionMax = Number(params.get('pmax'));
  return Object.keys(scope).length ? scope : null;
}
