import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { imagePng, labelPng } from '../render/png';
import { imageFromBytes } from '../store/slice-codec';
import { effectiveLabel, UNLABELLED, WITH_ATTACHED_LABEL } from '../store/slice-labels';
import { Prediction } from '../schema/evaluation.type';
import { PageArgs } from '../schema/connection';
import { SliceFilter } from '../schema/filters';
import { Slice, SliceConnection } from '../schema/slice.type';
import type { ApiContext } from './context';
import { isUuid, paginate } from './paginate';
import { idFilter, subjectWhere } from './subject.resolver';

/** Slice columns a list returns; the image and label bytes stay in the database. */
const SLICE_FIELDS = {
  id: true,
  subjectId: true,
  phase: true,
  sliceIndex: true,
  sliceCount: true,
  position: true,
  spacingXMm: true,
  spacingYMm: true,
  rows: true,
  cols: true,
  contentHash: true,
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

  @FieldResolver(() => String, { description: 'The image as a PNG data URL (1st–99th percentile window)' })
  async image(@Root() slice: Slice, @Ctx() ctx: ApiContext) {
    const row = await ctx.store.slice.findUniqueOrThrow({ where: { id: slice.id }, select: { image: true } });
    return imagePng(imageFromBytes(row.image), slice.rows, slice.cols);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'The ground truth as a PNG data URL (transparent background); null when the slice has none',
  })
  async gt(@Root() slice: Slice, @Ctx() ctx: ApiContext) {
    const row = await ctx.store.slice.findUniqueOrThrow({
      where: { id: slice.id },
      select: { label: true, ...WITH_ATTACHED_LABEL },
    });
    const label = effectiveLabel(row);
    return label === null ? null : labelPng(new Uint8Array(label), slice.rows, slice.cols);
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether the slice has ground truth: imported with it, or attached or reviewed later',
  })
  async labelled(@Root() slice: Slice, @Ctx() ctx: ApiContext) {
    return (await ctx.store.slice.count({ where: { id: slice.id, AND: [UNLABELLED] } })) === 0;
  }

  @FieldResolver(() => Prediction, { nullable: true, description: "This slice's prediction in an evaluation" })
  async prediction(@Root() slice: Slice, @Arg('evaluationId', () => ID) evaluationId: string, @Ctx() ctx: ApiContext) {
    if (!isUuid(evaluationId)) return null;
    return ctx.store.prediction.findUnique({
      where: { evaluationId_sliceId: { evaluationId, sliceId: slice.id } },
      select: { id: true, evaluationId: true, sliceId: true, createdAt: true },
    });
  }
}
