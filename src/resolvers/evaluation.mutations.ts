import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { launchEvaluation, launchSweep } from '../services/evaluations';
import { cancelRun } from '../services/runs';
import { DistortionSweepInput, EvaluationInput } from '../schema/evaluation.input';
import { Run } from '../schema/run.type';
import { launcher, type ApiContext } from './context';

@Resolver()
export class EvaluationMutations {
  @Authorized('OPERATOR')
  @Mutation(() => Run, { description: 'Evaluate a trained model on a dataset (sharded jobs); returns its run at once' })
  async startEvaluation(@Arg('input', () => EvaluationInput) input: EvaluationInput, @Ctx() ctx: ApiContext) {
    return launchEvaluation(launcher(ctx), input);
  }

  @Authorized('OPERATOR')
  @Mutation(() => Run, { description: 'Evaluate at every kind × level (plus undistorted) as child evaluation runs' })
  async startDistortionSweep(
    @Arg('input', () => DistortionSweepInput) input: DistortionSweepInput,
    @Ctx() ctx: ApiContext,
  ) {
    return launchSweep(launcher(ctx), input);
  }

  @Authorized('OPERATOR')
  @Mutation(() => Run, { description: 'Cancel a queued or running run (and its child runs)' })
  async cancelRun(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return cancelRun(launcher(ctx), id);
  }
}
