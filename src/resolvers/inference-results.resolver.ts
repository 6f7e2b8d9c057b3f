/** An inference's results for the dashboard: download paths per subject and phase, and the policy's promise checked. */
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PromiseCheck, StackDownloads } from '../schema/inference-results.type';
import { downloadsOf } from '../services/inference-export';
import type { ApiContext } from './context';
import { promiseCheckOf } from './inference-review.resolver';
import { isUuid } from './paginate';

@Resolver()
export class InferenceResultsResolver {
  @Query(() => [StackDownloads], {
    description: "An inference's files per subject and phase (NIfTI in the input's geometry, per-slice QC flags)",
  })
  async inferenceDownloads(@Arg('inferenceId', () => ID) inferenceId: string, @Ctx() ctx: ApiContext) {
    return isUuid(inferenceId) ? downloadsOf(ctx.store, inferenceId) : [];
  }

  @Query(() => PromiseCheck, {
    nullable: true,
    description: "The policy's promise against the ground truth of the inference's slices; null without a policy",
  })
  async promiseCheck(@Arg('inferenceId', () => ID) inferenceId: string, @Ctx() ctx: ApiContext) {
    return promiseCheckOf(ctx, inferenceId);
  }
}
