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
 */
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { ApiContext } from '../resolvers/context';
import type { StoreChanges } from './store-changes';

/** Long enough that entries normally leave by a change of generation or by size, not by age. */
const ENTRY_TTL_S = 600;

export function responseCache(changes: StoreChanges, maxBytes: number): ApolloServerPlugin<ApiContext>[] {
  const generationAtStart = new WeakMap<ApiContext, number>();
  const current = async (request: GraphQLRequestContext<ApiContext>) =>
    changes.listening && generationAtStart.get(request.contextValue) === changes.generation;
  return [
    // Hints decide only what this cache keeps: no HTTP Cache-Control, so no browser or proxy serves stale answers.
    ApolloServerPluginCacheControl({ defaultMaxAge: maxBytes > 0 ? ENTRY_TTL_S : 0, calculateHttpHeaders: false }),
    ...(maxBytes > 0
      ? [
          responseCachePlugin<ApiContext>({
            cache: new InMemoryLRUCache({ maxSize: maxBytes }),
            extraCacheKeyData: async ({ contextValue }) => {
              generationAtStart.set(contextValue, changes.generation);
              return { generation: changes.generation, actor: contextValue.actor, role: contextValue.role };
            },
            shouldReadFromCache: current,
            // Computed across a change: possibly from before it, and already out of date.
            shouldWriteToCache: current,
          }),
        ]
      : []),
    {
      async requestDidStart() {
        return {
          // This process's own writes are known at once, before their notifications arrive.
          async willSendResponse({ operation }) {
            if (operation?.operation === 'mutation') changes.bump();
          },
        };
      },
    },
  ];
}
