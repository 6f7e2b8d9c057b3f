import { maybeCacheControlFromInfo } from '@apollo/cache-control-types';
import type { GraphQLResolveInfo } from 'graphql';
import { Ctx, Info, Query, Resolver } from 'type-graphql';
import { queueCounts } from '../jobs/queues';
import { ServerInfo } from '../schema/server-info.type';
import type { ApiContext } from './context';

@Resolver()
export class ServerInfoResolver {
  @Query(() => ServerInfo, { description: 'Version, backend, database and live queue counts' })
  async serverInfo(@Ctx() ctx: ApiContext, @Info() info: GraphQLResolveInfo): Promise<ServerInfo> {
    // Queue counts live in pg-boss's tables, whose changes the response cache does not hear of.
    maybeCacheControlFromInfo(info)?.setCacheHint({ maxAge: 0 });
    return {
      version: ctx.config.version,
      codeVersion: ctx.config.codeVersion,
      backend: ctx.backend,
      database: ctx.databaseDescription,
      queues: await queueCounts(ctx.boss),
    };
  }
}
