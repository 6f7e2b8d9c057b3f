// Small DOM and formatting helpers (no framework).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'class') el.className = value;
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity))
    if (child !== null && child !== undefined && child !== false)
      el.append(child instanceof Node ? child : String(child));
  return el;
}

export function num(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  // Tiny non-zero values (MI of a nearly deterministic model) keep two significant digits.
  if (x !== 0 && Math.abs(x) < 0.5 * 10 ** -digits) return Number(x).toExponential(1);
  return Number(x).toFixed(digits);
}

export function pct(x) {
  return x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`;
}

export function shortId(id) {
  return id ? id.slice(0, 8) : '—';
}

export function table(headers, rows, caption) {
  return h(
    'table',
    {},
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x, i) => h('th', { scope: 'col', class: i === 0 ? 'text' : '' }, x)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          row.map((cell, i) =>
            i === 0
              ? h('th', { scope: 'row', class: 'text' }, cell)
              : h('td', { class: typeof cell === 'string' && /[a-z]/i.test(cell) ? 'text' : '' }, cell),
          ),
        ),
      ),
    ),
  );
}

export function select(label, name, options, value, onChange) {
  return h(
    'label',
    {},
    `${label} `,
    h(
      'select',
      { name, onchange: (e) => onChange(e.target.value) },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
  );
}

// `label` is the API's one name of an evaluation (Evaluation.label); `variant` its first segment.
export const EVALUATION_FIELDS =
  'id label variant trainingRunId split distortionKind distortionLevel samples createdAt dataset { name site } run { status parentRunId }';
