import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { PageArgs } from '../schema/connection';
import { RunFilter } from '../schema/filters';
import { Run, RunConnection, TrainingEpoch } from '../schema/run.type';
import { Checkpoint, Evaluation } from '../schema/evaluation.type';
import type { ApiContext } from './context';
import { isUuid, paginate } from './paginate';

@Resolver(() => Run)
export class RunResolver {
  @Query(() => Run, { nullable: true, description: 'A run by id; null when unknown' })
  async run(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.run.findUnique({ where: { id } }) : null;
  }

  @Query(() => RunConnection, { description: 'Runs, newest first' })
  async runs(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => RunFilter, { nullable: true }) filter: RunFilter | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const where = {
      kind: filter?.kind,
      method: filter?.method,
      status: filter?.status,
      parentRunId: filter?.parentRunId,
    };
    const runs = ctx.store.run;
    return paginate(
      {
        fetch: (window) => runs.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...window }),
        count: () => runs.count({ where }),
        contains: async (id) => (await runs.count({ where: { ...where, id } })) > 0,
      },
      page,
    );
  }

  @FieldResolver(() => [Checkpoint], { description: 'Stored checkpoints of a training run (one per member)' })
  async checkpoints(@Root() run: Run, @Ctx() ctx: ApiContext) {
    return ctx.store.checkpoint.findMany({
      where: { runId: run.id },
      orderBy: { member: 'asc' },
      omit: { weights: true },
    });
  }

  @FieldResolver(() => [Evaluation], {
    description: 'Evaluations of a training run, or the evaluation an EVALUATE run computes',
  })
  async evaluations(@Root() run: Run, @Ctx() ctx: ApiContext) {
    return ctx.store.evaluation.findMany({
      where: { OR: [{ trainingRunId: run.id }, { runId: run.id }] },
      orderBy: { createdAt: 'asc' },
    });
  }

  @FieldResolver(() => [Run], { description: "Child runs (a sweep's evaluations)" })
  async children(@Root() run: Run, @Ctx() ctx: ApiContext) {
    return ctx.store.run.findMany({ where: { parentRunId: run.id }, orderBy: { createdAt: 'asc' } });
  }

  @FieldResolver(() => [TrainingEpoch])
  async epochs(@Root() run: Run, @Ctx() ctx: ApiContext) {
    return ctx.store.trainingEpoch.findMany({
      where: { runId: run.id },
      orderBy: [{ member: 'asc' }, { epoch: 'asc' }],
    });
  }
}
