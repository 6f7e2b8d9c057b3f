/** Starts the real platform (API + worker) in this process against a test database. */
import { loadConfig } from '../../src/config';
import type { Role } from '../../src/config';
import { startPlatform } from '../../src/app';

export async function startTestPlatform(databaseUrl: string, role: Role = 'all', env: Record<string, string> = {}) {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, CARDIAC_UQ_PORT: '0', CARDIAC_UQ_ACTOR: 'test-actor', ...env });
  const platform = await startPlatform(config, role, () => {});
  const graphqlUrl = platform.graphqlUrl as string;
  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
  }
  return { platform, config, graphqlUrl, gql };
}
