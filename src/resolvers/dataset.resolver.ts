import { Arg, Args, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { PageArgs } from '../schema/connection';
import { Dataset, DatasetConnection } from '../schema/dataset.type';
import { DatasetFilter } from '../schema/filters';
import { countUnlabelled, UNLABELLED } from '../store/slice-labels';
import type { ApiContext } from './context';
import { isUuid, paginate } from './paginate';

@Resolver(() => Dataset)
export class DatasetResolver {
  @Query(() => Dataset, { nullable: true, description: 'A dataset by id; null when unknown' })
  async dataset(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.dataset.findUnique({ where: { id } }) : null;
  }

  @Query(() => DatasetConnection)
  async datasets(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => DatasetFilter, { nullable: true }) filter: DatasetFilter | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const where = { source: filter?.source, site: filter?.site };
    const datasets = ctx.store.dataset;
    return paginate(
      {
        fetch: (window) => datasets.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...window }),
        count: () => datasets.count({ where }),
        contains: async (id) => (await datasets.count({ where: { ...where, id } })) > 0,
      },
      page,
    );
  }

  @FieldResolver(() => Int, { description: 'Number of subjects' })
  async subjectCount(@Root() dataset: Dataset, @Ctx() ctx: ApiContext) {
    return ctx.store.subject.count({ where: { datasetId: dataset.id } });
  }

  @FieldResolver(() => Int, { description: 'Slices with ground truth (imported with it, attached or reviewed later)' })
  async labelledSliceCount(@Root() dataset: Dataset, @Ctx() ctx: ApiContext) {
    return ctx.store.slice.count({ where: { subject: { datasetId: dataset.id }, NOT: UNLABELLED } });
  }

  @FieldResolver(() => Int, { description: 'Slices without ground truth; evaluation and training refuse them' })
  async unlabelledSliceCount(@Root() dataset: Dataset, @Ctx() ctx: ApiContext) {
    return countUnlabelled(ctx.store, { subject: { datasetId: dataset.id } });
  }
}
