// The dashboard's only data source: GraphQL over fetch, exactly as any other front end would call it.
const ENDPOINT = '/graphql';
const KEY_STORAGE = 'cardiac-uq.operator-key';

// What the user can do about each error code the server sends (docs/design.md "GraphQL API").
const ADVICE = {
  QUERY_TOO_COMPLEX: 'select fewer evaluations or narrow the filters',
  GRAPHQL_VALIDATION_FAILED: 'select fewer evaluations',
  RESPONSE_TOO_LARGE: 'select fewer evaluations or narrow the filters',
  RATE_LIMITED: 'wait a minute, then reload',
  QUERY_TIMEOUT: 'narrow the filters, or reload once the server is less busy',
  DATABASE_UNAVAILABLE: 'the results store is unreachable: reload once it is back',
  UNAUTHENTICATED: 'enter a valid operator key in the header',
  FORBIDDEN: 'this needs an operator key with more rights',
  BAD_USER_INPUT: 'check the filters and the values entered',
  NOT_FOUND: 'it may have been removed: go back to the list',
};

export class ApiError extends Error {
  constructor(message, code) {
    const advice = ADVICE[code];
    super(advice ? `${message} — ${advice}.` : message);
    this.code = code;
  }
}

/** Batches `items` into requests of at most `size` (the server's limits), sent together; results in order. */
export async function inBatches(items, size, request) {
  const batches = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return (await Promise.all(batches.map(request))).flat();
}

export function operatorKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

export function setOperatorKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** Runs a query; resolves to `data`, rejects with the server's messages. */
export async function gql(query, variables = {}) {
  const headers = { 'content-type': 'application/json' };
  const key = operatorKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(ENDPOINT, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json().catch(() => null);
  if (!body)
    throw new ApiError(
      `GraphQL endpoint answered HTTP ${response.status}`,
      response.status === 429 ? 'RATE_LIMITED' : undefined,
    );
  if (body.errors?.length)
    throw new ApiError([...new Set(body.errors.map((e) => e.message))].join('; '), body.errors[0].extensions?.code);
  return body.data;
}

let platformConstants;
/** Structures, run states and defaults as the server defines them (`constants`, cached). */
export async function constants() {
  platformConstants ??= gql(
    '{ constants { structures runStatuses activeRunStatuses finishedRunStatuses uncertaintyMeasures defaultEnsembleMembers } }',
  ).then((d) => d.constants);
  return platformConstants;
}

let rootFields;
/** Names of the Query and Mutation fields this server offers (introspection, cached). */
export async function rootFieldNames() {
  rootFields ??= gql('{ __schema { queryType { fields { name } } mutationType { fields { name } } } }').then((d) => ({
    query: new Set(d.__schema.queryType.fields.map((f) => f.name)),
    mutation: new Set((d.__schema.mutationType?.fields ?? []).map((f) => f.name)),
  }));
  return rootFields;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
/** Fields of a type with their unwrapped type (kind, name) and arguments, by introspection. */
export async function typeInfo(name) {
  const d = await gql(
    `query($n: String!) { __type(name: $n) { name kind fields { name args { name defaultValue type { ${TYPE_REF} } } type { ${TYPE_REF} } } } }`,
    { n: name },
  );
  if (!d.__type) return null;
  const unwrap = (t) => {
    let list = false;
    while (t.ofType) {
      if (t.kind === 'LIST') list = true;
      t = t.ofType;
    }
    if (t.kind === 'LIST') list = true;
    return { kind: t.kind, name: t.name, list };
  };
  return {
    ...d.__type,
    fields: (d.__type.fields ?? []).map((f) => ({
      name: f.name,
      type: unwrap(f.type),
      requiredArgs: f.args.filter((a) => a.type.kind === 'NON_NULL' && a.defaultValue === null).map((a) => a.name),
    })),
  };
}
