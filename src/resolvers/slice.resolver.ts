import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../schema/connection';
import { SliceFilter } from '../schema/filters';
import { Slice, SliceConnection } from '../schema/slice.type';
import type { ApiContext } from './context';
import { isUuid, paginate } from './paginate';
import { idFilter, subjectWhere } from './subject.resolver';

/** Slice columns a list returns; the image and label bytes stay in the database. */
const SLICE_FIELDS = {
  id: true, subjectId: true, phase: true, sliceIndex: true, sliceCount: true, position: true,
  spacingXMm: true, spacingYMm: true, rows: true, cols: true, contentHash: true,
} as const;

@Resolver(() => Slice)
export class SliceResolver {
  @Query(() => Slice, { nullable: true })
  async slice(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.slice.findUnique({ where: { id }, select: SLICE_FIELDS }) : null;
  }

  @Query(() => SliceConnection)
  async slices(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => SliceFilter, { nullable: true }) filter: SliceFilter | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const where = {
      subject: subjectWhere(filter),
      subjectId: idFilter(filter?.subjectId),
      phase: filter?.phase,
      position: { gte: filter?.positionMin, lte: filter?.positionMax },
    };
    const slices = ctx.store.slice;
    return paginate(
      {
        fetch: (window) =>
          slices.findMany({
            where,
            select: SLICE_FIELDS,
            orderBy: [{ subjectId: 'asc' }, { phase: 'asc' }, { sliceIndex: 'asc' }, { id: 'asc' }],
            ...window,
          }),
        count: () => slices.count({ where }),
        contains: async (id) => (await slices.count({ where: { ...where, id } })) > 0,
      },
      page,
    );
  }
}
