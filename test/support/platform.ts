/** Starts the real platform (API + worker) in this process against a test database. */
import { loadConfig } from '../../src/config';
import type { Role } from '../../src/config';
import { startPlatform } from '../../src/app';

export async function startTestPlatform(databaseUrl: string, role: Role = 'all', env: Record<string, string> = {}) {
  const environment = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    CARDIAC_UQ_PORT: '0',
    CARDIAC_UQ_ACTOR: 'test-actor',
    ...env,
  };
  const config = loadConfig(environment);
  // Role all's worker child inherits the same environment.
  const platform = await startPlatform(config, role, () => {}, environment);
  const graphqlUrl = platform.graphqlUrl as string;
  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        data?: T;
        errors?: Array<{ message: string; extensions?: { code?: string } }>;
      },
    };
  }
  return { platform, config, graphqlUrl, gql };
}

/**
 * A test database with the platform on it for one describe block: registers beforeAll/afterAll and
 * returns a holder whose fields are set once beforeAll has run.
 */
export function usePlatform(role: Role = 'all', env: Record<string, string> = {}) {
  // Imported here so that suites using only startTestPlatform do not load the database helpers.
  const { createDatabase, testServers } = require('./databases') as typeof import('./databases');
  const { createStore } = require('../../src/db/client') as typeof import('../../src/db/client');
  const fixture = {} as {
    db: Awaited<ReturnType<typeof createDatabase>>;
    store: ReturnType<typeof createStore>;
    api: Awaited<ReturnType<typeof startTestPlatform>>;
  };
  beforeAll(async () => {
    fixture.db = await createDatabase(testServers()[0]);
    fixture.store = createStore(fixture.db.url);
    fixture.api = await startTestPlatform(fixture.db.url, role, env);
  });
  afterAll(async () => {
    await fixture.api?.platform.close();
    await fixture.store?.$disconnect();
    await fixture.db?.drop();
  });
  return fixture;
}
