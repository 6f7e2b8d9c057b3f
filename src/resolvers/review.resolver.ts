/** The review loop's API (docs/design.md "Review"): decisions need the reviewer role, reads anyone. */
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AcceptReviewInput, CorrectLabelInput } from '../schema/review.input';
import { Review, ReviewLabel, SliceReviewStatus } from '../schema/review.type';
import { acceptReview, correctLabel } from '../services/reviews';
import { REVIEW_FIELDS, reviewStatus, reviewsOf } from '../store/reviews';
import { launcher, type ApiContext } from './context';
import { loaders } from './loaders';
import { isUuid } from './paginate';

const reviewById = (ctx: ApiContext, id: string) =>
  ctx.store.review.findUniqueOrThrow({ where: { id }, select: REVIEW_FIELDS });

@Resolver(() => Review)
export class ReviewResolver {
  @Authorized('REVIEWER')
  @Mutation(() => Review, {
    description: "Accept the inference's segmentation of a slice or subject: it becomes their ground truth",
  })
  async acceptReview(@Arg('input', () => AcceptReviewInput) input: AcceptReviewInput, @Ctx() ctx: ApiContext) {
    return reviewById(ctx, await acceptReview(launcher(ctx), input));
  }

  @Authorized('REVIEWER')
  @Mutation(() => Review, { description: 'Record a corrected label for a slice or subject as its ground truth' })
  async correctLabel(@Arg('input', () => CorrectLabelInput) input: CorrectLabelInput, @Ctx() ctx: ApiContext) {
    return reviewById(ctx, await correctLabel(launcher(ctx), input));
  }

  @Query(() => [Review], { description: "An inference's review decisions, oldest first" })
  async reviews(@Arg('inferenceId', () => ID) inferenceId: string, @Ctx() ctx: ApiContext) {
    return isUuid(inferenceId) ? reviewsOf(ctx.store, inferenceId) : [];
  }

  @Query(() => [SliceReviewStatus], {
    description:
      "Per slice of an inference (of one subject, if given): the policy's flag and its ground truth's origin",
  })
  async reviewStatus(
    @Arg('inferenceId', () => ID) inferenceId: string,
    @Arg('subjectId', () => ID, { nullable: true }) subjectId: string | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    if (!isUuid(inferenceId) || (subjectId !== undefined && !isUuid(subjectId))) return [];
    return reviewStatus(ctx.store, inferenceId, subjectId);
  }

  @FieldResolver(() => [ReviewLabel], { description: 'The ground truth this decision supplied, per slice' })
  async labels(@Root() review: Review, @Ctx() ctx: ApiContext) {
    return loaders(ctx).reviewLabels.load(review.id);
  }
}
