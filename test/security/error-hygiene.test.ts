/**
 * Error hygiene against the real API (issue 14, item 8): a malformed id in any ID-typed argument,
 * input field or list element is BAD_USER_INPUT naming it (never a Postgres message), a
 * variable that no Int or Float can hold (JSON `1e999` parses to Infinity) is BAD_USER_INPUT (not
 * QUERY_TOO_COMPLEX), and analysts read the audit log without API key prefixes.
 */
import crypto from 'node:crypto';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { createApiKey } from '../../src/server/auth';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';

const server = testServers()[0];

type Answer = {
  status: number;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
};

async function post(url: string, body: string, key?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

const gql = (url: string, query: string, variables: Record<string, unknown> = {}, key?: string) =>
  post(url, JSON.stringify({ query, variables }), key);

describe('error hygiene', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    api = await startTestPlatform(db.url, 'api');
  });

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
  });

  const INJECTION = "' OR 1=1 --";

  test.each([
    [
      'a filter field (literal)',
      `{ runs(filter: { parentRunId: "${INJECTION}" }) { totalCount } }`,
      {},
      'runs',
      'filter.parentRunId',
    ],
    [
      'a filter field (variable)',
      'query($f: RunFilter) { runs(filter: $f) { totalCount } }',
      { f: { parentRunId: INJECTION } },
      'runs',
      'filter.parentRunId',
    ],
    ['a top-level id', '{ run(id: "x") { id } }', {}, 'run', 'id'],
    [
      'a nested subject filter',
      '{ subjects(filter: { datasetId: "nope" }) { totalCount } }',
      {},
      'subjects',
      'filter.datasetId',
    ],
    [
      'a list element',
      'query($ids: [ID!]!) { compare(evaluationIds: $ids) { method } }',
      { ids: [crypto.randomUUID(), '1; select 1'] },
      'compare',
      'evaluationIds[1]',
    ],
    ['an integer as an id', '{ dataset(id: 7) { id } }', {}, 'dataset', 'id'],
    ['a mutation input', `mutation { cancelRun(id: "${INJECTION}") { id } }`, {}, 'cancelRun', 'id'],
  ])('a malformed id in %s is BAD_USER_INPUT naming it', async (_name, query, variables, field, argument) => {
    const runs = await store.run.count();
    const res = await gql(api.graphqlUrl, query, variables);
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, argumentName: argument });
    expect(res.text).not.toMatch(/postgres|prisma|invalid input syntax|type uuid|22P02/i);
    expect(await store.run.count()).toBe(runs);
  });

  test('a well-formed unknown id is still an empty answer, not an error', async () => {
    const res = await gql(
      api.graphqlUrl,
      `{ run(id: "${crypto.randomUUID()}") { id } runs(filter: { parentRunId: "${crypto.randomUUID().toUpperCase()}" }) { totalCount } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ run: null, runs: { totalCount: 0 } });
  });

  test.each([
    ['Int', 'query($n: Int) { runs(first: $n) { totalCount } }', '{"n":1e999}'],
    ['Int, negative', 'query($n: Int) { runs(first: $n) { totalCount } }', '{"n":-1e999}'],
    ['Float', 'query($x: Float) { slices(filter: { positionMin: $x }) { totalCount } }', '{"x":1e999}'],
  ])('a non-finite %s variable is BAD_USER_INPUT', async (_name, query, variables) => {
    const res = await post(api.graphqlUrl, `{"query":${JSON.stringify(query)},"variables":${variables}}`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0].message).toMatch(/Variable "\$[nx]"/);
  });

  test('analysts read key events without key prefixes; admins see them', async () => {
    const analyst = await createApiKey(store, { name: 'reader', role: 'ANALYST', actor: 'test' });
    const admin = await createApiKey(store, { name: 'boss', role: 'ADMIN', actor: 'test' });
    const query = '{ auditLog(first: 10, filter: { action: "apikey.created" }) { nodes { actor details } } }';
    const seen = await gql(api.graphqlUrl, query, {}, analyst.key);
    expect(seen.body.errors).toBeUndefined();
    const details = seen.body.data.auditLog.nodes.map((n: { details: string }) => JSON.parse(n.details));
    expect(details.map((d: { name: string }) => d.name).sort()).toEqual(['boss', 'reader']);
    expect(details.every((d: { prefix: string }) => d.prefix === 'redacted')).toBe(true);
    for (const { record } of [analyst, admin]) expect(seen.text).not.toContain(record.prefix);

    const full = await gql(api.graphqlUrl, query, {}, admin.key);
    const prefixes = full.body.data.auditLog.nodes.map((n: { details: string }) => JSON.parse(n.details).prefix).sort();
    expect(prefixes).toEqual([analyst.record.prefix, admin.record.prefix].sort());
  });
});
