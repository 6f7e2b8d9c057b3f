import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { attachLabelsFromFolder, launchImport, launchPhantomDataset } from '../services/datasets';
import { AttachLabelsInput, ImportDatasetInput, PhantomDatasetInput } from '../schema/dataset.input';
import { Dataset } from '../schema/dataset.type';
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
  @Mutation(() => Run, {
    description: "Import an ACDC, M&Ms or plain NIfTI folder (labels optional) from the server's import root in a job",
  })
  async importDataset(@Arg('input', () => ImportDatasetInput) input: ImportDatasetInput, @Ctx() ctx: ApiContext) {
    return launchImport(launcher(ctx), ctx.config.importRoot, input);
  }

  @Authorized('OPERATOR')
  @Mutation(() => Dataset, {
    description:
      'Attach label files from the import root to the slices of a dataset imported without ground truth; all or nothing',
  })
  async attachLabels(@Arg('input', () => AttachLabelsInput) input: AttachLabelsInput, @Ctx() ctx: ApiContext) {
    const { datasetId } = await attachLabelsFromFolder(launcher(ctx), ctx.config.importRoot, input);
    return ctx.store.dataset.findUniqueOrThrow({ where: { id: datasetId } });
  }
}
