import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { launchImport, launchPhantomDataset } from '../services/datasets';
import { ImportDatasetInput, PhantomDatasetInput } from '../schema/dataset.input';
import { Run } from '../schema/run.type';
import { launcher, type ApiContext } from './context';

@Resolver()
export class DatasetMutations {
  @Authorized('OPERATOR')
  @Mutation(() => Run, { description: 'Generate a phantom dataset in a job; returns its run at once' })
  async createPhantomDataset(
    @Arg('input', () => PhantomDatasetInput) input: PhantomDatasetInput,
    @Ctx() ctx: ApiContext,
  ) {
    return launchPhantomDataset(launcher(ctx), input);
  }

  @Authorized('OPERATOR')
  @Mutation(() => Run, { description: "Import an ACDC folder or NIfTI pairs from the server's import root in a job" })
  async importDataset(@Arg('input', () => ImportDatasetInput) input: ImportDatasetInput, @Ctx() ctx: ApiContext) {
    return launchImport(launcher(ctx), ctx.config.importRoot, input);
  }
}
