import { Ctx, Query, Resolver } from 'type-graphql';
import { queueCounts } from '../jobs/queues';
import { ServerInfo } from '../schema/server-info.type';
import type { ApiContext } from './context';

@Resolver()
export class ServerInfoResolver {
  @Query(() => ServerInfo, { description: 'Version, backend, database and live queue counts' })
  async serverInfo(@Ctx() ctx: ApiContext): Promise<ServerInfo> {
    return {
      version: ctx.config.version,
      codeVersion: ctx.config.codeVersion,
      backend: ctx.backend,
      database: ctx.databaseDescription,
      queues: await queueCounts(ctx.boss),
    };
  }
}
