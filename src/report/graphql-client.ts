/**
 * The report is a client of the GraphQL API: every number it shows comes from a query. Executed in
 * this process against the API's own schema and a read-only (ANALYST) context, so it needs no HTTP
 * server and is not subject to the HTTP rate limit; `httpClient` does the same over HTTP.
 */
import { graphql } from 'graphql';
import type { Config } from '../config';
import type { Store } from '../db/client';
import type { Boss } from '../jobs/queues';
import type * as Resolvers from '../resolvers';
import type { ApiContext } from '../resolvers/context';

/** The API schema (type-graphql and every resolver): loaded when a report runs in process (require: see cli/lazy.ts). */
const loadResolvers = (): typeof Resolvers => require('../resolvers');

export type GqlClient = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export interface InProcessDeps {
  store: Store;
  boss: Boss;
  config: Config;
  databaseDescription: string;
}

export async function inProcessClient(deps: InProcessDeps): Promise<GqlClient> {
  const { buildApiSchema } = loadResolvers();
  const schema = await buildApiSchema();
  const contextValue = {
    store: deps.store,
    boss: deps.boss,
    config: deps.config,
    backend: deps.config.backend ?? 'wasm',
    databaseDescription: deps.databaseDescription,
    actor: deps.config.actor,
    role: 'ANALYST',
  } as unknown as ApiContext;
  return async (query, variables = {}) => {
    const result = await graphql({ schema, source: query, variableValues: variables, contextValue });
    if (result.errors?.length) throw new Error(`GraphQL: ${result.errors.map((e) => e.message).join('; ')}`);
    return result.data as any;
  };
}

export function httpClient(url: string, apiKey?: string): GqlClient {
  return async (query, variables = {}) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
    if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
    return body.data;
  };
}
