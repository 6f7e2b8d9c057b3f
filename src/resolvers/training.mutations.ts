import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { launchTraining } from '../services/training';
import { TrainingInput } from '../schema/training.input';
import { Run } from '../schema/run.type';
import { launcher, type ApiContext } from './context';

@Resolver()
export class TrainingMutations {
  @Authorized('OPERATOR')
  @Mutation(() => Run, { description: 'Train a model (ensemble members are separate jobs); returns its run at once' })
  async startTraining(@Arg('input', () => TrainingInput) input: TrainingInput, @Ctx() ctx: ApiContext) {
    return launchTraining(launcher(ctx), input);
  }
}
