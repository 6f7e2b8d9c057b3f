/**
 * Limits on one request against the real API: depth, aliases, complexity/field count, body size,
 * per-key rate limit and the Postgres statement timeout — each refused with a typed error.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { createApiKey } from '../../src/server/auth';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';

const server = testServers()[0];

async function post(url: string, body: unknown, key?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: any;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    },
  };
}

describe('request limits', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  const keys: string[] = [];

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    for (const name of ['first', 'second'])
      keys.push((await createApiKey(store, { name, role: 'ANALYST', actor: 'test' })).key);
    api = await startTestPlatform(db.url, 'api', {
      CARDIAC_UQ_RATE_LIMIT: '40',
      CARDIAC_UQ_QUERY_TIMEOUT_MS: '700',
      CARDIAC_UQ_MAX_QUERY_DEPTH: '8',
      CARDIAC_UQ_MAX_ALIASES: '20',
      CARDIAC_UQ_MAX_RESPONSE_BYTES: '3000',
    });
  });

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
  });

  test('a deeply nested query is refused before it runs', async () => {
    let selection = 'id';
    for (let i = 0; i < 12; i++) selection = `parent { ${selection} }`;
    const res = await post(api.graphqlUrl, { query: `{ runs(first: 1) { nodes { ${selection} } } }` }, keys[0]);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0].message).toMatch(/depth limit of 8 exceeded/);
  });

  test('fragments cannot hide depth', async () => {
    const query = `
      fragment A on Run { parent { parent { parent { id } } } }
      fragment B on Run { parent { parent { parent { ...A } } } }
      { runs(first: 1) { nodes { parent { ...B } } } }`;
    const res = await post(api.graphqlUrl, { query }, keys[0]);
    expect(res.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('too many aliases are refused', async () => {
    const query = `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: serverInfo { version }`).join(' ')} }`;
    const res = await post(api.graphqlUrl, { query }, keys[0]);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].message).toMatch(/aliases limit of 20 exceeded/i);
  });

  test('nested large pages exceed the complexity limit, with variables counted', async () => {
    const query =
      'query($n: Int!) { runs(first: $n) { nodes { evaluations { predictions(first: $n) { nodes { id metrics { structure dice } } } } } } }';
    const res = await post(api.graphqlUrl, { query, variables: { n: 200 } }, keys[0]);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const small = await post(api.graphqlUrl, { query, variables: { n: 5 } }, keys[0]);
    expect(small.body.errors).toBeUndefined();
  });

  test('the 8-alias image query of issue 13 is refused up front, saying its cost, the cap and what to do', async () => {
    const alias = (i: number, first: number) =>
      `a${i}: evaluation(id: "${crypto.randomUUID()}") { predictions(first: ${first}) { nodes { labelPng entropyPng miPng slice { image gt } } } }`;
    const query = (first: number) => `{ ${Array.from({ length: 8 }, (_, i) => alias(i, first)).join(' ')} }`;
    const res = await post(api.graphqlUrl, { query: query(500) }, keys[0]);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    const error = res.body.errors?.[0];
    expect(error?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // By hand: a row is nodes' 5 images × 64 (256² px / 1024) + slice 1 + nodes' own 1 = 322; a page
    // 1 + 100 (one pass) + 500 × 322; the evaluation 1 more; 8 aliases.
    const cost = 8 * (1 + 1 + 100 + 500 * (5 * 64 + 1 + 1));
    expect(error?.message).toBe(
      `query cost ${cost} exceeds the limit of 50000: images cost 64 each (256×256 pixels / 1024) and analytics 100 per pass over an evaluation's rows: ` +
        'ask for fewer images per page (a smaller `first`, image fields only for the slices shown), fewer aliases or fewer analytics per request',
    );
    // Pages of 10 fit: 8 × (2 + 100 + 10 × 322) = 26 576; the ids are unknown, so the answer is null.
    const small = await post(api.graphqlUrl, { query: query(10) }, keys[1]);
    expect(small.body.errors).toBeUndefined();
    expect(small.body.data?.a0).toBeNull();
  });

  test('a response over CARDIAC_UQ_MAX_RESPONSE_BYTES is an error, not a truncated body', async () => {
    const fields =
      'structures runStatuses activeRunStatuses finishedRunStatuses uncertaintyMeasures defaultEnsembleMembers';
    const one = await post(api.graphqlUrl, { query: `{ constants { ${fields} } }` }, keys[1]);
    expect(one.body.errors).toBeUndefined();
    const size = JSON.stringify(one.body.data.constants).length;
    const n = Math.ceil(3000 / size) + 1;
    const res = await post(
      api.graphqlUrl,
      { query: `{ ${Array.from({ length: n }, (_, i) => `c${i}: constants { ${fields} }`).join(' ')} }` },
      keys[1],
    );
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0].extensions?.code).toBe('RESPONSE_TOO_LARGE');
    expect(res.body.errors?.[0].message).toMatch(/larger than the limit of 3000 bytes/);
  });

  test('a page larger than 500 is refused', async () => {
    const res = await post(api.graphqlUrl, { query: '{ runs(first: 501) { totalCount } }' }, keys[0]);
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a body over 1 MB is refused with a JSON error', async () => {
    const res = await post(
      api.graphqlUrl,
      { query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } },
      keys[0],
    );
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0].extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    const broken = await post(api.graphqlUrl, '{"query": "{ __typ', keys[0]);
    expect(broken.status).toBe(400);
    expect(broken.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
  });

  test('a slow statement is cancelled by the database and answered as an error', async () => {
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE "Dataset" IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await post(api.graphqlUrl, { query: '{ datasets(first: 5) { totalCount } }' }, keys[1]);
      expect(Date.now() - started).toBeLessThan(10000);
      expect(res.body.errors?.[0].extensions?.code).toBe('QUERY_TIMEOUT');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  test('the rate limit is per key', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++)
      statuses.push((await post(api.graphqlUrl, { query: '{ __typename }' }, keys[0])).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const limited = await post(api.graphqlUrl, { query: '{ __typename }' }, keys[0]);
    expect(limited.status).toBe(429);
    expect(limited.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    const other = await post(api.graphqlUrl, { query: '{ __typename }' }, keys[1]);
    expect(other.status).toBe(200);
  });
});
