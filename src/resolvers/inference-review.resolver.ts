/**
 * The review loop's fields on an inference and its slices (docs/design.md "Review", "Exporting
 * results"): `Inference.reviews`, `.promiseCheck`, `.downloads`, and per `InferenceSlice` where its
 * ground truth came from, batched per request (one pair of statements per page of slices).
 */
import DataLoader from 'dataloader';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Inference, InferenceSlice } from '../schema/inference.type';
import { PromiseCheck, StackDownloads } from '../schema/inference-results.type';
import { Review, SliceGroundTruth } from '../schema/review.type';
import { downloadsOf } from '../services/inference-export';
import { checkPromise } from '../services/promise-check';
import { type GroundTruthOrigin, groundTruthOrigins, reviewsOf } from '../store/reviews';
import type { ApiContext } from './context';

const origins = new WeakMap<ApiContext, DataLoader<string, GroundTruthOrigin>>();
const checks = new WeakMap<ApiContext, Map<string, ReturnType<typeof checkPromise>>>();

/**
 * The promise check of an inference, computed once per request: it scores every labelled slice on
 * the API's thread, so aliases of the same check must not multiply that work.
 */
export function promiseCheckOf(ctx: ApiContext, inferenceId: string): ReturnType<typeof checkPromise> {
  let perRequest = checks.get(ctx);
  if (!perRequest) checks.set(ctx, (perRequest = new Map()));
  let check = perRequest.get(inferenceId);
  if (!check) perRequest.set(inferenceId, (check = checkPromise(ctx.store, inferenceId)));
  return check;
}

function originLoader(ctx: ApiContext): DataLoader<string, GroundTruthOrigin> {
  let loader = origins.get(ctx);
  if (!loader) {
    loader = new DataLoader((ids: readonly string[]) => groundTruthOrigins(ctx.store, ids));
    origins.set(ctx, loader);
  }
  return loader;
}

@Resolver(() => Inference)
export class InferenceReviewFields {
  @FieldResolver(() => [Review], { description: 'Review decisions on this inference, oldest first' })
  async reviews(@Root() inference: Inference, @Ctx() ctx: ApiContext) {
    return reviewsOf(ctx.store, inference.id);
  }

  @FieldResolver(() => PromiseCheck, {
    nullable: true,
    description: "The policy's promise against the ground truth of the labelled slices; null without a policy",
  })
  async promiseCheck(@Root() inference: Inference, @Ctx() ctx: ApiContext) {
    return promiseCheckOf(ctx, inference.id);
  }

  @FieldResolver(() => [StackDownloads], { description: 'Files per subject and phase, with their download paths' })
  async downloads(@Root() inference: Inference, @Ctx() ctx: ApiContext) {
    return downloadsOf(ctx.store, inference.id);
  }
}

@Resolver(() => InferenceSlice)
export class InferenceSliceReviewFields {
  @FieldResolver(() => SliceGroundTruth, {
    description: 'Where its ground truth came from (imported, attached, reviewed)',
  })
  async groundTruth(@Root() slice: InferenceSlice, @Ctx() ctx: ApiContext) {
    const { groundTruth: origin, reviewId, labelledBy } = await originLoader(ctx).load(slice.sliceId);
    return { origin, reviewId, labelledBy };
  }
}
