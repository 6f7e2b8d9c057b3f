/**
 * Whole answers to read-only queries, kept in memory and served again while the store has not
 * changed (docs/design.md "Response cache"). Apollo's response-cache plugin keys each answer by
 * its query text, variables and, here, the caller's actor and role and the store's generation
 * when the request began (./store-changes.ts): any change to the store starts a new generation,
 * so an answer is never served after a change this process has heard of. Nothing is cached or
 * served from the cache while the change listener is down, an answer with errors is never kept,
 * and a field that reads something other than the store (`serverInfo`: pg-boss's queues) sets
 * maxAge 0, which keeps its whole answer out. Answers expire after ENTRY_TTL_S in any case, and
 * the least recently used go first once `maxBytes` of JSON is held.
 *
 * A request that misses while an identical one (same key) is being computed waits for that one's
 * answer instead of computing it again: after each change, every client of a dashboard asks the
 * same few queries at once.
 */
import { HeaderMap } from '@apollo/server';
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { ApiContext } from '../resolvers/context';
import type { StoreChanges } from './store-changes';

/** Long enough that entries normally leave by a change of generation or by size, not by age. */
const ENTRY_TTL_S = 600;

type Answer = Record<string, unknown> | null;

interface RequestState {
  generation: number;
  key: string;
  /** Set on the request computing an answer others wait for. */
  settle?: (answer: Answer) => void;
  /** Answered with another request's answer: nothing to keep. */
  follower?: boolean;
}

/** The plugins, for a cache of `maxBytes` (> 0) of JSON. */
export function responseCache(changes: StoreChanges, maxBytes: number): ApolloServerPlugin<ApiContext>[] {
  const requests = new WeakMap<ApiContext, RequestState>();
  const inFlight = new Map<string, Promise<Answer>>();
  const current = async ({ contextValue }: GraphQLRequestContext<ApiContext>) =>
    changes.listening && requests.get(contextValue)?.generation === changes.generation;

  const coalesce: ApolloServerPlugin<ApiContext> = {
    async requestDidStart() {
      return {
        // Runs after the response cache missed (plugins answer in order; the first answer wins).
        async responseForOperation(request) {
          const state = requests.get(request.contextValue);
          if (request.operation.operation !== 'query' || !state || !(await current(request))) return null;
          const computing = inFlight.get(state.key);
          if (!computing) {
            inFlight.set(state.key, new Promise((resolve) => (state.settle = resolve)));
            return null;
          }
          const data = await computing;
          if (!data) return null;
          state.follower = true;
          return {
            body: { kind: 'single', singleResult: { data } },
            http: { status: undefined, headers: new HeaderMap() },
          };
        },
        async willSendResponse(request) {
          if (request.operation?.operation === 'mutation') changes.bump();
          const state = requests.get(request.contextValue);
          if (!state?.settle) return;
          inFlight.delete(state.key);
          const body = request.response.body;
          const kept =
            body.kind === 'single' && !body.singleResult.errors && request.overallCachePolicy.policyIfCacheable();
          state.settle(kept ? (body.singleResult.data ?? null) : null);
        },
      };
    },
  };

  return [
    // Hints decide only what this cache keeps: no HTTP Cache-Control, so no browser or proxy serves stale answers.
    ApolloServerPluginCacheControl({ defaultMaxAge: ENTRY_TTL_S, calculateHttpHeaders: false }),
    responseCachePlugin<ApiContext>({
      cache: new InMemoryLRUCache({ maxSize: maxBytes }),
      extraCacheKeyData: async ({ contextValue, request }) => {
        const extra = { generation: changes.generation, actor: contextValue.actor, role: contextValue.role };
        const key = JSON.stringify([request.query, request.operationName, request.variables, extra]);
        requests.set(contextValue, { generation: changes.generation, key });
        return extra;
      },
      shouldReadFromCache: current,
      // Computed across a change (possibly from before it, and already out of date), or someone else's answer.
      shouldWriteToCache: async (request) => (await current(request)) && !requests.get(request.contextValue)?.follower,
    }),
    coalesce,
  ];
}
