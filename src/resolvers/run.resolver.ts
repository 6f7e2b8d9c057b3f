import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../schema/connection';
import { RunFilter } from '../schema/filters';
import { Run, RunConnection } from '../schema/run.type';
import type { ApiContext } from './context';
import { isUuid, paginate } from './paginate';

@Resolver(() => Run)
export class RunResolver {
  @Query(() => Run, { nullable: true, description: 'A run by id; null when unknown' })
  async run(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.run.findUnique({ where: { id } }) : null;
  }

  @Query(() => RunConnection, { description: 'Runs, newest first' })
  async runs(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => RunFilter, { nullable: true }) filter: RunFilter | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const where = {
      kind: filter?.kind,
      method: filter?.method,
      status: filter?.status,
      parentRunId: filter?.parentRunId,
    };
    const runs = ctx.store.run;
    return paginate(
      {
        fetch: (window) => runs.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...window }),
        count: () => runs.count({ where }),
        contains: async (id) => (await runs.count({ where: { ...where, id } })) > 0,
      },
      page,
    );
  }
}
