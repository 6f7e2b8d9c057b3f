import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../schema/connection';
import { SubjectFilter } from '../schema/filters';
import { Subject, SubjectConnection } from '../schema/subject.type';
import type { ApiContext } from './context';
import { isUuid, paginate } from './paginate';

/** An id that is not a UUID matches nothing (rather than making Postgres reject the query). */
export function idFilter(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  return isUuid(id) ? id : '00000000-0000-0000-0000-000000000000';
}

export function subjectWhere(filter: SubjectFilter | undefined) {
  return {
    datasetId: idFilter(filter?.datasetId),
    split: filter?.split,
    group: filter?.group,
    dataset: filter?.site ? { site: filter.site } : undefined,
  };
}

@Resolver(() => Subject)
export class SubjectResolver {
  @Query(() => Subject, { nullable: true })
  async subject(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.subject.findUnique({ where: { id } }) : null;
  }

  @Query(() => SubjectConnection)
  async subjects(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => SubjectFilter, { nullable: true }) filter: SubjectFilter | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const where = subjectWhere(filter);
    const subjects = ctx.store.subject;
    return paginate(
      {
        fetch: (window) =>
          subjects.findMany({
            where,
            orderBy: [{ datasetId: 'asc' }, { externalId: 'asc' }, { id: 'asc' }],
            ...window,
          }),
        count: () => subjects.count({ where }),
        contains: async (id) => (await subjects.count({ where: { ...where, id } })) > 0,
      },
      page,
    );
  }
}
