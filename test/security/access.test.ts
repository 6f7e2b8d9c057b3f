/**
 * Access: API keys and roles against the real platform and real `cardiac-uq` processes.
 * No keys → loopback only, everyone local is admin; a public address without keys is refused;
 * with keys every request needs one, roles gate mutations, the key's name is the recorded actor,
 * revocation takes effect, and no key ever shows up in logs or error messages.
 */
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { loadConfig } from '../../src/config';
import { startPlatform } from '../../src/app';
import { createApiKey, revokeApiKey } from '../../src/server/auth';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { spawnCli } from '../support/serve-process';
import { startRole, stopProcess } from '../support/serve-roles';

const server = testServers()[0];

async function post(url: string, query: string, key?: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: JSON.parse(text) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> },
  };
}

/**
 * The secret of a key `cuq_<8 hex>_<43 base64url>`: everything after the fixed-length prefix. The
 * secret's alphabet includes `_`, so splitting on `_` can yield a one-letter fragment (or an empty
 * one) that any listing contains.
 */
function secretOf(key: string): string {
  const match = /^cuq_[0-9a-f]{8}_([A-Za-z0-9_-]{43})$/.exec(key);
  if (!match) throw new Error(`not an API key: ${key.length} characters`);
  return match[1];
}

/** Neither the secret nor any 12 consecutive characters of it (a cut or split copy) is in `text`. */
function expectNoSecret(text: string, key: string) {
  const secret = secretOf(key);
  expect(text).not.toContain(secret);
  for (let i = 0; i + 12 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 12));
}

test('secretOf takes the whole secret after the prefix, underscores included', () => {
  const secret = `_t${'A'.repeat(20)}_${'-'.repeat(20)}`;
  expect(secretOf(`cuq_0123abcd_${secret}`)).toBe(secret);
  expect(() => secretOf('cuq_0123abcd_short')).toThrow(/not an API key/);
});

const PHANTOM = (name: string) =>
  `mutation { createPhantomDataset(input: { name: "${name}", site: "A", subjects: 4, seed: 1 }) { id createdBy } }`;

describe('API keys and roles', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    // API only: queued work stays queued, nothing runs.
    api = await startTestPlatform(db.url, 'api');
  });

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
  });

  test('without keys: a public address is refused at start, loopback callers are admin', async () => {
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: db.url,
      CARDIAC_UQ_PORT: '0',
      CARDIAC_UQ_HOST: '0.0.0.0',
    });
    await expect(startPlatform(config, 'api', () => {})).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without API keys/,
    );

    const res = await post(api.graphqlUrl, PHANTOM('open-mode'));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.createPhantomDataset.createdBy).toBe('test-actor');
  });

  test('once a key exists, every request needs one (within the gate cache)', async () => {
    for (const role of ['ANALYST', 'OPERATOR', 'ADMIN'] as const) {
      keys[role] = (await createApiKey(store, { name: `${role.toLowerCase()}-key`, role, actor: 'test' })).key;
    }
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const res = await post(api.graphqlUrl, '{ serverInfo { version } }');
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('bad keys are refused without echoing them', async () => {
    const forged = `${keys.ADMIN.slice(0, -4)}AAAA`;
    for (const key of [forged, 'not-a-key', keys.ADMIN.toUpperCase()]) {
      const res = await post(api.graphqlUrl, '{ serverInfo { version } }', key);
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0].message).toBe('invalid or revoked API key');
      expect(res.text).not.toContain(key);
    }
    const malformed = await fetch(api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${keys.ADMIN}` },
      body: '{"query":"{ __typename }"}',
    });
    expect(malformed.status).toBe(401);
    expect(await malformed.text()).not.toContain(keys.ADMIN);
  });

  test('analyst reads, cannot write; nothing is written', async () => {
    const read = await post(
      api.graphqlUrl,
      '{ runs(first: 5) { totalCount } auditLog(first: 1) { totalCount } }',
      keys.ANALYST,
    );
    expect(read.body.errors).toBeUndefined();
    const runsBefore = await store.run.count();
    const auditBefore = await store.auditEvent.count();
    const write = await post(api.graphqlUrl, PHANTOM('by-analyst'), keys.ANALYST);
    expect(write.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(write.body.errors?.[0].message).toMatch(/operator role/);
    const cancel = await post(
      api.graphqlUrl,
      'mutation { cancelRun(id: "00000000-0000-0000-0000-000000000000") { id } }',
      keys.ANALYST,
    );
    expect(cancel.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await store.run.count()).toBe(runsBefore);
    expect(await store.auditEvent.count()).toBe(auditBefore);
    const listKeys = await post(api.graphqlUrl, '{ apiKeys { name } }', keys.ANALYST);
    expect(listKeys.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test("operator starts work recorded under the key's name; admin lists keys without secrets", async () => {
    const res = await post(api.graphqlUrl, PHANTOM('by-operator'), keys.OPERATOR);
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data.createPhantomDataset;
    expect(run.createdBy).toBe('operator-key');
    const event = await store.auditEvent.findFirstOrThrow({ where: { entityId: run.id, action: 'run.created' } });
    expect(event.actor).toBe('operator-key');

    expect((await post(api.graphqlUrl, '{ apiKeys { name } }', keys.OPERATOR)).body.errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    const listed = await post(api.graphqlUrl, '{ apiKeys { name prefix role revokedAt } }', keys.ADMIN);
    expect(listed.body.data.apiKeys.map((k: { name: string }) => k.name).sort()).toEqual([
      'admin-key',
      'analyst-key',
      'operator-key',
    ]);
    for (const key of Object.values(keys)) expectNoSecret(listed.text, key);
    const stored = await store.apiKey.findMany();
    for (const row of stored) for (const key of Object.values(keys)) expectNoSecret(JSON.stringify(row), key);
  });

  test("an answer the response cache holds for one key's role is not served to another", async () => {
    const query = '{ apiKeys { name } }';
    const cachedFor = async (key: string) => {
      const response = await fetch(api.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
      return { cached: response.headers.get('age') !== null, code: body.errors?.[0].extensions?.code, data: body.data };
    };
    await cachedFor(keys.ADMIN);
    const admin = await cachedFor(keys.ADMIN);
    expect(admin).toMatchObject({ cached: true, code: undefined });
    expect(await cachedFor(keys.ANALYST)).toMatchObject({ cached: false, code: 'FORBIDDEN' });
    expect(await cachedFor(keys.OPERATOR)).toMatchObject({ cached: false, code: 'FORBIDDEN' });
  });

  test('a revoked key stops working', async () => {
    await revokeApiKey(store, 'analyst-key', 'test');
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const res = await post(api.graphqlUrl, '{ serverInfo { version } }', keys.ANALYST);
    expect(res.status).toBe(401);
    expect((await store.auditEvent.findFirstOrThrow({ where: { action: 'apikey.revoked' } })).details).toContain(
      'analyst-key',
    );
  });

  test('CLI: keys create prints the key once, list never shows it; serve on 0.0.0.0 needs keys and logs none', async () => {
    const env = { DATABASE_URL: db.url, CARDIAC_UQ_ACTOR: 'cli-admin' };
    const created = spawnCli(['keys', 'create', '--name', 'cli-key', '--role', 'operator'], env);
    expect(await created.exited).toBe(0);
    const key = /cuq_[0-9a-f]{8}_\S+/.exec(created.output())![0];
    const dup = spawnCli(['keys', 'create', '--name', 'cli-key', '--role', 'admin'], env);
    expect(await dup.exited).toBe(2);
    const badRole = spawnCli(['keys', 'create', '--name', 'x', '--role', 'root'], env);
    expect(await badRole.exited).toBe(2);
    const list = spawnCli(['keys', 'list', '--json'], env);
    expect(await list.exited).toBe(0);
    expectNoSecret(list.output(), key);
    expect(JSON.parse(list.output()).map((k: { name: string }) => k.name)).toContain('cli-key');

    const serve = await startRole('api', { ...env, CARDIAC_UQ_HOST: '0.0.0.0' });
    try {
      expect(serve.output()).toMatch(/API keys required/);
      const url = serve.graphqlUrl!;
      const ok = await post(url, PHANTOM('cli-made'), key);
      expect(ok.body.data.createPhantomDataset.createdBy).toBe('cli-key');
      const bad = await post(url, PHANTOM('nope'), `${key}x`);
      expect(bad.status).toBe(401);
      await post(url, '{ run(id: "x") { id } }', key);
    } finally {
      await stopProcess(serve);
    }
    expectNoSecret(serve.output(), key);

    const revoke = spawnCli(['keys', 'revoke', 'cli-key'], env);
    expect(await revoke.exited).toBe(0);
    expectNoSecret(revoke.output(), key);
  });
});

describe('a public address without keys', () => {
  test('cardiac-uq serve refuses to start, says why, exits non-zero', async () => {
    const db = await createDatabase(server);
    try {
      const proc = spawnCli(['serve', '--role', 'api', '--host', '0.0.0.0', '--port', '0'], { DATABASE_URL: db.url });
      const code = await proc.exited;
      expect(code).not.toBe(0);
      expect(proc.output()).toMatch(/refusing to listen on 0\.0\.0\.0 without API keys.*keys create/s);
    } finally {
      await db.drop();
    }
  });
});
