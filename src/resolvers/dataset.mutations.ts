import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { launchPhantomDataset } from '../jobs/launch';
import { PhantomDatasetInput } from '../schema/dataset.input';
import { Run } from '../schema/run.type';
import { launcher, type ApiContext } from './context';

@Resolver()
export class DatasetMutations {
  @Mutation(() => Run, { description: 'Generate a phantom dataset in a job; returns its run at once' })
  async createPhantomDataset(@Arg('input', () => PhantomDatasetInput) input: PhantomDatasetInput, @Ctx() ctx: ApiContext) {
    return launchPhantomDataset(launcher(ctx), { ...input, site: input.site as 'A' | 'B' });
  }
}
