/**
 * Failed authentication is throttled per client address and counted in the audit log in aggregate
 * (issue 14, item 6), against the real platform. Client addresses are real: any 127.x address
 * reaches the loopback server, so each part of the test speaks from its own.
 */
import crypto from 'node:crypto';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { createApiKey, generateKey } from '../../src/server/auth';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { rawPost } from './raw-request';

const server = testServers()[0];
const LIMIT = 10;
const QUERY = '{ serverInfo { version } }';

describe('failed authentication', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>> | undefined;
  let good: string;
  /** Answers of the flood by status, for the audit check. */
  let flood: Record<number, number> = {};

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    good = (await createApiKey(store, { name: 'good', role: 'ANALYST', actor: 'test' })).key;
    api = await startTestPlatform(db.url, 'api', { CARDIAC_UQ_AUTH_FAILURE_LIMIT: String(LIMIT) });
  });

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
  });

  test(`after ${LIMIT} failures an address gets 429 with Retry-After, a good key included; other addresses are not affected`, async () => {
    const url = api!.graphqlUrl;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await rawPost(url, QUERY, { key: generateKey().key, from: '127.0.0.1' });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429]);
    // Per address: while it is throttled, a good key from it waits too (else guessing would go on
    // at full speed, a success told apart from a 429).
    expect((await rawPost(url, QUERY, { key: good, from: '127.0.0.1' })).status).toBe(429);
    const elsewhere = await rawPost(url, QUERY, { key: good, from: '127.0.0.2' });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.errors).toBeUndefined();
  });

  test('a concurrent flood of random keys is throttled after the first wave', async () => {
    const url = api!.graphqlUrl;
    const counts: Record<number, number> = {};
    for (let wave = 0; wave < 6; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          rawPost(url, QUERY, {
            key: `cuq_${crypto.randomBytes(4).toString('hex')}_${crypto.randomBytes(32).toString('base64url')}`,
            from: '127.0.0.3',
          }),
        ),
      );
      for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['401', '429']);
    // Checked on arrival, counted on failure: at most one wave in flight gets past the limit.
    expect(counts[401]).toBeLessThanOrEqual(LIMIT + 20);
    expect(counts[429]).toBeGreaterThanOrEqual(120 - LIMIT - 20);
    flood = counts;
  });

  test('the audit log has one aggregate event per address and window, none for the good address', async () => {
    const before = await store.auditEvent.count();
    await api!.platform.close(); // closing flushes the current window
    api = undefined;
    const events = await store.auditEvent.findMany({ where: { action: 'auth.failed' }, orderBy: { seq: 'asc' } });
    expect(await store.auditEvent.count()).toBe(before + events.length);
    expect(events.map((e) => e.entityId).sort()).toEqual(['127.0.0.1', '127.0.0.3']);
    const byAddress = Object.fromEntries(events.map((e) => [e.entityId, JSON.parse(e.details)]));
    expect(byAddress['127.0.0.1']).toMatchObject({ failures: LIMIT, throttled: 3 });
    expect(byAddress['127.0.0.3']).toMatchObject({ failures: flood[401], throttled: flood[429] });
    for (const e of events) {
      const d = byAddress[e.entityId!];
      expect(new Date(d.from).getTime()).toBeLessThanOrEqual(new Date(d.to).getTime());
      expect(e.details).not.toMatch(/cuq_/);
    }
  });
});
