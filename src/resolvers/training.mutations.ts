import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Prisma } from '../db/generated/client';
import { QUEUES } from '../jobs/queues';
import { ENGINE_METHOD } from '../jobs/methods';
import { TrainingInput } from '../schema/training.input';
import { Run } from '../schema/run.type';
import type { ApiContext } from './context';
import { createRun, enqueueRun } from './enqueue-run';
import { badInput, notFound } from './errors';
import { isUuid } from './paginate';

const DEFAULT_MEMBERS = 5;

@Resolver()
export class TrainingMutations {
  @Mutation(() => Run, { description: 'Train a model (ensemble members are separate jobs); returns its run at once' })
  async startTraining(@Arg('input', () => TrainingInput) input: TrainingInput, @Ctx() ctx: ApiContext) {
    const dataset = isUuid(input.datasetId)
      ? await ctx.store.dataset.findUnique({ where: { id: input.datasetId }, select: { id: true } })
      : null;
    if (!dataset) throw notFound('dataset', input.datasetId);
    const [train, val] = await Promise.all(
      (['TRAIN', 'VAL'] as const).map((split) => ctx.store.slice.count({ where: { subject: { datasetId: dataset.id, split } } })),
    );
    if (train === 0 || val === 0) throw badInput(`dataset needs TRAIN and VAL slices (has ${train} and ${val})`, 'datasetId');
    const method = ENGINE_METHOD[input.method];
    if (method !== 'mcd' && (input.dropoutRate !== undefined || input.dropoutLayers !== undefined)) {
      throw badInput('dropoutRate and dropoutLayers apply to MC_DROPOUT only', 'dropoutRate');
    }
    if (method !== 'bbb' && (input.priorSigma !== undefined || input.klWeight !== undefined)) {
      throw badInput('priorSigma and klWeight apply to BBB only', 'priorSigma');
    }
    if (method !== 'ensemble' && input.members !== undefined) throw badInput('members applies to ENSEMBLE only', 'members');

    const members = method === 'ensemble' ? (input.members ?? DEFAULT_MEMBERS) : 1;
    const config: Prisma.InputJsonObject = {
      datasetId: dataset.id,
      method,
      preset: input.preset,
      seed: input.seed,
      ...(input.epochs !== undefined ? { epochs: input.epochs } : {}),
      ...(method === 'mcd' ? { dropout: { rate: input.dropoutRate ?? 0.1, layers: input.dropoutLayers ?? 'middle' } } : {}),
      ...(method === 'bbb' ? { bayes: { priorSigma: input.priorSigma ?? 0.1, klWeight: input.klWeight ?? 10 } } : {}),
      ...(method === 'ensemble' ? { members } : {}),
    };
    const run = await createRun(ctx, { kind: 'TRAIN', method: input.method, config, seed: input.seed, datasetId: dataset.id });
    let queued = run;
    for (let member = 0; member < members; member++) queued = await enqueueRun(ctx, QUEUES.trainMember, run.id, { member });
    return queued;
  }
}
