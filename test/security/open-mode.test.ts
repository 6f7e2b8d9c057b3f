/**
 * Open mode (no keys, loopback, every local caller is admin) against the real platform and the
 * real `cardiac-uq keys` command (issue 14, items 4 and 5):
 * - only loopback Host names are served, and a browser request's Origin must be the server's own
 *   loopback origin or listed in CARDIAC_UQ_CORS_ORIGINS (DNS rebinding cannot drive the admin API);
 * - once a key has existed the server stays closed, also after the last key is revoked, until
 *   `cardiac-uq keys open-mode --confirm` (audited) returns it to open mode.
 */
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { createApiKey, revokeApiKey } from '../../src/server/auth';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { spawnCli } from '../support/serve-process';
import { rawPost } from './raw-request';

const server = testServers()[0];
const CACHE_MS = 2200; // the gate caches "are there keys" for 2 s
const settle = () => new Promise((resolve) => setTimeout(resolve, CACHE_MS));
const PHANTOM = (name: string) =>
  `mutation { createPhantomDataset(input: { name: "${name}", site: "A", subjects: 4, seed: 1 }) { id createdBy } }`;

describe('open mode', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let port: string;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    api = await startTestPlatform(db.url, 'api', { CARDIAC_UQ_CORS_ORIGINS: 'https://dashboard.example' });
    port = new URL(api.graphqlUrl).port;
  });

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
  });

  test('a Host that is not a loopback name is refused (421), nothing written', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      '10.0.0.5',
      'evil.example@localhost',
    ]) {
      const res = await rawPost(api.graphqlUrl, PHANTOM('rebound'), { host });
      expect([host, res.status, res.body.errors?.[0].extensions?.code]).toEqual([host, 421, 'UNTRUSTED_HOST']);
    }
    expect(await store.run.count()).toBe(0);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      const res = await rawPost(api.graphqlUrl, '{ serverInfo { version } }', { host });
      expect([host, res.status, res.body.errors]).toEqual([host, 200, undefined]);
    }
  });

  test("a browser request's Origin must be the server's own loopback origin or a configured one", async () => {
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${port}`,
      'null',
      `http://127.0.0.1:${Number(port) + 1}`,
      `https://127.0.0.1:${port}`,
      'file://',
    ]) {
      const res = await rawPost(api.graphqlUrl, PHANTOM('cross-site'), { origin });
      expect([origin, res.status, res.body.errors?.[0].extensions?.code]).toEqual([origin, 403, 'UNTRUSTED_ORIGIN']);
    }
    expect(await store.run.count()).toBe(0);
    for (const origin of [
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
      `http://[::1]:${port}`,
      'https://dashboard.example',
    ]) {
      const res = await rawPost(api.graphqlUrl, '{ serverInfo { version } }', { origin });
      expect([origin, res.status, res.body.errors]).toEqual([origin, 200, undefined]);
    }
    const own = await rawPost(api.graphqlUrl, PHANTOM('from-dashboard'), { origin: `http://127.0.0.1:${port}` });
    expect(own.body.data.createPhantomDataset.createdBy).toBe('test-actor');
  });

  test('revoking the last key does not reopen the server; keys open-mode --confirm does, audited', async () => {
    const { key } = await createApiKey(store, { name: 'only', role: 'ADMIN', actor: 'test' });
    await settle();
    expect((await rawPost(api.graphqlUrl, '{ serverInfo { version } }')).status).toBe(401);
    await revokeApiKey(store, 'only', 'test');
    await settle();
    const keyless = await rawPost(api.graphqlUrl, PHANTOM('after-revoke'));
    expect(keyless.status).toBe(401);
    expect(keyless.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(keyless.body.errors?.[0].message).toMatch(/keys open-mode/);
    expect((await rawPost(api.graphqlUrl, '{ serverInfo { version } }', { key })).status).toBe(401);
    expect(await store.dataset.count({ where: { name: 'after-revoke' } })).toBe(0);

    const env = { DATABASE_URL: db.url, CARDIAC_UQ_ACTOR: 'cli-admin' };
    const unconfirmed = spawnCli(['keys', 'open-mode'], env);
    expect(await unconfirmed.exited).toBe(2);
    expect(unconfirmed.output()).toMatch(/--confirm/);

    const other = await createApiKey(store, { name: 'second', role: 'ANALYST', actor: 'test' });
    const withActive = spawnCli(['keys', 'open-mode', '--confirm'], env);
    expect(await withActive.exited).toBe(2);
    expect(withActive.output()).toMatch(/1 active key.*second/s);
    await revokeApiKey(store, other.record.name, 'test');

    const events = await store.auditEvent.count();
    const opened = spawnCli(['keys', 'open-mode', '--confirm'], env);
    expect(await opened.exited).toBe(0);
    const event = await store.auditEvent.findFirstOrThrow({ where: { action: 'access.open-mode' } });
    expect(event.actor).toBe('cli-admin');
    expect(JSON.parse(event.details)).toEqual({ keys: 2 });
    expect(await store.auditEvent.count()).toBe(events + 1);
    await settle();
    const reopened = await rawPost(api.graphqlUrl, PHANTOM('reopened'));
    expect(reopened.body.errors).toBeUndefined();
    expect(reopened.body.data.createPhantomDataset.createdBy).toBe('test-actor');

    // A key made and revoked after that closes it again.
    await createApiKey(store, { name: 'third', role: 'OPERATOR', actor: 'test' });
    await revokeApiKey(store, 'third', 'test');
    await settle();
    expect((await rawPost(api.graphqlUrl, '{ serverInfo { version } }')).status).toBe(401);
  });
});
