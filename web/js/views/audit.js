// Audit: the tamper-evident audit log and its verification, when this server offers them. Which
// queries exist is read by introspection, and the columns come from the types the server
// declares, so the view follows the API instead of assuming a shape.
import { gql, rootFieldNames, typeInfo } from '../gql.js';
import { h } from '../dom.js';

const SCALARS = new Set(['SCALAR', 'ENUM']);

async function selectionOf(typeName, depth = 0) {
  const type = await typeInfo(typeName);
  const parts = [];
  for (const f of type?.fields ?? []) {
    if (f.requiredArgs.length) continue;
    if (SCALARS.has(f.type.kind)) parts.push(f.name);
    else if (depth < 1 && f.type.kind === 'OBJECT' && ['nodes', 'edges'].includes(f.name) === false) {
      const inner = await selectionOf(f.type.name, depth + 1);
      if (inner) parts.push(`${f.name} { ${inner} }`);
    }
  }
  return parts.join(' ');
}

/** Query text for a root field: a connection's nodes, a list or an object, with its scalar fields. */
async function queryFor(field) {
  const query = await typeInfo('Query');
  const f = query.fields.find((x) => x.name === field);
  if (f.requiredArgs.length) return null;
  if (SCALARS.has(f.type.kind)) return `{ ${field} }`;
  const type = await typeInfo(f.type.name);
  const nodes = type.fields.find((x) => x.name === 'nodes');
  if (nodes)
    return `{ ${field} { ${type.fields.some((x) => x.name === 'totalCount') ? 'totalCount ' : ''}nodes { ${await selectionOf(nodes.type.name)} } } }`;
  return `{ ${field} { ${await selectionOf(f.type.name)} } }`;
}

function cell(value) {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Long values (event details) fold away; the whole text stays in the page.
  return text.length > 80 ? h('details', {}, h('summary', {}, `${text.slice(0, 60)}…`), h('pre', {}, text)) : text;
}

function renderValue(value) {
  const rows = Array.isArray(value) ? value : (value?.nodes ?? null);
  if (rows) {
    if (!rows.length) return h('p', { class: 'empty' }, 'No entries.');
    const keys = Object.keys(rows[0]);
    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          keys.map((k) => h('th', { scope: 'col', class: 'text' }, k)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            keys.map((k) => h('td', { class: 'text' }, cell(r[k]))),
          ),
        ),
      ),
    );
  }
  if (value && typeof value === 'object')
    return h(
      'dl',
      { class: 'prov' },
      Object.entries(value).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, cell(v))]),
    );
  return h('p', {}, cell(value));
}

export async function render(root) {
  root.append(h('h2', {}, 'Audit'));
  const { query } = await rootFieldNames();
  const offered = ['auditVerification', 'auditLog'].filter((f) => query.has(f));
  if (!offered.length) {
    root.append(
      h(
        'p',
        { class: 'empty', id: 'audit-unavailable', role: 'note' },
        'The audit log is not available on this server: its GraphQL schema has no auditLog or auditVerification query (checked by introspection).',
      ),
    );
    return;
  }
  for (const field of offered) {
    const text = await queryFor(field);
    const section = h(
      'section',
      { 'aria-label': field, id: `audit-${field}` },
      h('h3', {}, field === 'auditLog' ? 'Audit log' : 'Verification'),
    );
    root.append(section);
    if (!text) {
      section.append(h('p', { class: 'note' }, `${field} needs arguments this view does not know.`));
      continue;
    }
    const data = await gql(text);
    section.append(renderValue(data[field]));
  }
}
