/**
 * `subscription runProgress` over graphql-ws on the API's own port and path: a real run (a tiny
 * phantom dataset job on the real worker) is followed to SUCCEEDED; the connection is admitted
 * like POST /graphql (keys in keyed mode, loopback Host and Origin in open mode); limits and id
 * checks apply; `runs follow` rides on it.
 */
import http from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApiKey } from '../../src/server/auth';
import { spawnCli } from '../support/serve-process';
import { usePlatform } from '../support/platform';

const PROGRESS = 'subscription($id: ID!) { runProgress(id: $id) { id status progress stage etaSeconds error } }';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const wsUrl = (graphqlUrl: string) => graphqlUrl.replace(/^http/, 'ws');

/** Every result of one subscription until it completes, or what ended it (GraphQL errors or a close event). */
async function subscribe(
  graphqlUrl: string,
  query: string,
  variables: Record<string, unknown>,
  connectionParams: Record<string, unknown> = {},
): Promise<{ results: any[]; failure?: any }> {
  const client = createClient({
    url: wsUrl(graphqlUrl),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
  });
  const results: any[] = [];
  try {
    for await (const result of client.iterate({ query, variables })) results.push(result);
    return { results };
  } catch (failure) {
    return { results, failure };
  } finally {
    await client.dispose();
  }
}

/** Opens a raw graphql-transport-ws socket, sends connection_init, and resolves with how it closed. */
function closeOf(url: string, options: WebSocket.ClientOptions, payload: Record<string, unknown> = {}) {
  return new Promise<{ code: number; reason: string }>((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', options);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') reject(new Error('the connection was acknowledged'));
    });
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    socket.on('error', reject);
  });
}

describe('runProgress subscription, open mode', () => {
  const fixture = usePlatform('all');

  test('follows a real run: changes only, in order, completing with SUCCEEDED as stored', async () => {
    const started = await fixture.api.gql(
      'mutation { createPhantomDataset(input: { name: "sub-tiny", site: "A", subjects: 2, seed: 3 }) { id status } }',
    );
    expect(started.body.errors).toBeUndefined();
    const run = started.body.data.createPhantomDataset;
    expect(run.status).toBe('QUEUED');

    const { results, failure } = await subscribe(fixture.api.graphqlUrl, PROGRESS, { id: run.id });
    expect(failure).toBeUndefined();
    const events = results.map((r) => {
      expect(r.errors).toBeUndefined();
      return r.data.runProgress;
    });
    // It was subscribed to while queued, so at least one change (to SUCCEEDED) was sent after the first.
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(['QUEUED', 'RUNNING']).toContain(events[0].status);
    const order = ['QUEUED', 'RUNNING', 'SUCCEEDED'];
    for (let i = 1; i < events.length; i++) {
      expect(events[i]).not.toEqual(events[i - 1]);
      expect(order.indexOf(events[i].status)).toBeGreaterThanOrEqual(order.indexOf(events[i - 1].status));
      expect(events[i].progress).toBeGreaterThanOrEqual(events[i - 1].progress);
    }
    const stored = await fixture.store.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(events.at(-1)).toEqual({
      id: run.id,
      status: 'SUCCEEDED',
      progress: 1,
      stage: stored.stage,
      etaSeconds: stored.etaSeconds,
      error: null,
    });
  }, 120000);

  test('a finished run is sent once and the subscription completes', async () => {
    const done = await fixture.store.run.findFirstOrThrow({ where: { status: 'SUCCEEDED' } });
    const { results, failure } = await subscribe(fixture.api.graphqlUrl, PROGRESS, { id: done.id });
    expect(failure).toBeUndefined();
    expect(results.map((r) => r.data.runProgress.status)).toEqual(['SUCCEEDED']);
  }, 60000);

  test('a malformed id is BAD_USER_INPUT, an unknown one NOT_FOUND', async () => {
    const malformed = await subscribe(fixture.api.graphqlUrl, PROGRESS, { id: 'nope' });
    expect(malformed.results).toEqual([]);
    expect(malformed.failure).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'runProgress' }),
      }),
    ]);
    const unknown = await subscribe(fixture.api.graphqlUrl, PROGRESS, { id: UNKNOWN_ID });
    expect(unknown.failure).toBeUndefined();
    expect(unknown.results).toEqual([
      expect.objectContaining({
        errors: [expect.objectContaining({ extensions: { code: 'NOT_FOUND', entity: 'Run', id: UNKNOWN_ID } })],
      }),
    ]);
  }, 60000);

  test('the alias limit of /graphql applies, and queries and mutations are left to POST', async () => {
    // A subscription has one top-level field; the aliases are in its selection.
    const aliases = Array.from({ length: 41 }, (_, i) => `a${i}: id`).join(' ');
    const many = await subscribe(
      fixture.api.graphqlUrl,
      `subscription { runProgress(id: "${UNKNOWN_ID}") { ${aliases} } }`,
      {},
    );
    expect(many.failure).toEqual([expect.objectContaining({ message: 'Aliases limit of 40 exceeded, found 41.' })]);
    const query = await subscribe(fixture.api.graphqlUrl, '{ serverInfo { version } }', {});
    expect(query.failure).toEqual([expect.objectContaining({ message: expect.stringMatching(/POST \/graphql/) })]);
  }, 60000);

  test('a foreign Origin or Host is refused (open mode trusts the machine, not every page)', async () => {
    const url = wsUrl(fixture.api.graphqlUrl);
    const origin = await closeOf(url, { origin: 'http://evil.example' });
    expect(origin.code).toBe(4403);
    expect(origin.reason).toMatch(/^UNTRUSTED_ORIGIN: /);
    const host = await closeOf(url, { headers: { host: 'rebound.example' } });
    expect(host.code).toBe(4421);
    expect(host.reason).toMatch(/^UNTRUSTED_HOST: /);
  }, 60000);

  test('`runs follow` ends with the run by subscription (its poll interval would outlast the test)', async () => {
    const started = await fixture.api.gql(
      'mutation { createPhantomDataset(input: { name: "sub-follow", site: "B", subjects: 2, seed: 4 }) { id } }',
    );
    const id = started.body.data.createPhantomDataset.id;
    const cli = spawnCli(['runs', 'follow', id, '--url', fixture.api.graphqlUrl, '--interval', '3600'], {
      CARDIAC_UQ_FROM_SOURCES: '1',
    });
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/SUCCEEDED/);
  }, 120000);

  test('`runs follow` polls when the server takes no WebSocket (an HTTP-only proxy in front of it)', async () => {
    const target = new URL(fixture.api.graphqlUrl);
    const proxy = http.createServer((req, res) => {
      if (req.method !== 'POST') return res.writeHead(404).end();
      const upstream = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: 'POST', headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}/graphql`;
      const started = await fixture.api.gql(
        'mutation { createPhantomDataset(input: { name: "sub-poll", site: "A", subjects: 2, seed: 5 }) { id } }',
      );
      const id = started.body.data.createPhantomDataset.id;
      const cli = spawnCli(['runs', 'follow', id, '--url', proxyUrl, '--interval', '0.2'], {
        CARDIAC_UQ_FROM_SOURCES: '1',
      });
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/SUCCEEDED/);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  }, 120000);
});

describe('runProgress subscription, keyed mode', () => {
  const fixture = usePlatform('api');
  let key: string;
  beforeAll(async () => {
    key = (await createApiKey(fixture.store, { name: 'reader', role: 'ANALYST', actor: 'test' })).key;
  });

  test('without a key the connection is closed 4401 UNAUTHENTICATED; a bad key likewise', async () => {
    const url = wsUrl(fixture.api.graphqlUrl);
    const none = await closeOf(url, {});
    expect(none.code).toBe(4401);
    expect(none.reason).toMatch(/^UNAUTHENTICATED: /);
    const bad = await closeOf(url, {}, { authorization: `Bearer ${key.slice(0, -1)}x` });
    expect(bad.code).toBe(4401);
    expect(bad.reason).toBe('UNAUTHENTICATED: invalid or revoked API key');
  }, 60000);

  test('an analyst key in connection_init or on the upgrade request is admitted', async () => {
    const inInit = await subscribe(
      fixture.api.graphqlUrl,
      PROGRESS,
      { id: UNKNOWN_ID },
      { authorization: `Bearer ${key}` },
    );
    expect(inInit.failure).toBeUndefined();
    expect(inInit.results[0].errors[0].extensions.code).toBe('NOT_FOUND');

    const socket = new WebSocket(wsUrl(fixture.api.graphqlUrl), 'graphql-transport-ws', {
      headers: { authorization: `Bearer ${key}` },
    });
    const first = await new Promise<any>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (data) => resolve(JSON.parse(String(data))));
      socket.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
    });
    socket.close();
    expect(first.type).toBe('connection_ack');
  }, 60000);
});
