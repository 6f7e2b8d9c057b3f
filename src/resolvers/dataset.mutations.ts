import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { QUEUES } from '../jobs/queues';
import { PhantomDatasetInput } from '../schema/dataset.input';
import { Run } from '../schema/run.type';
import type { ApiContext } from './context';
import { createRun, enqueueRun } from './enqueue-run';
import { conflict } from './errors';

@Resolver()
export class DatasetMutations {
  @Mutation(() => Run, { description: 'Generate a phantom dataset in a job; returns its run at once' })
  async createPhantomDataset(
    @Arg('input', () => PhantomDatasetInput) input: PhantomDatasetInput,
    @Ctx() ctx: ApiContext,
  ) {
    if (await ctx.store.dataset.findUnique({ where: { name: input.name }, select: { id: true } })) {
      throw conflict(`a dataset named ${input.name} exists`);
    }
    const config = { name: input.name, site: input.site, subjects: input.subjects, seed: input.seed };
    const run = await createRun(ctx, { kind: 'DATASET', config, seed: input.seed });
    return enqueueRun(ctx, QUEUES.createDataset, run.id);
  }
}
