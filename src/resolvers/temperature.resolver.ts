import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { launchTemperatureFit } from '../services/temperature';
import { Run } from '../schema/run.type';
import { TemperatureFit } from '../schema/temperature-fit.type';
import { isUuid } from './paginate';
import { launcher, type ApiContext } from './context';

@Resolver()
export class TemperatureResolver {
  @Query(() => TemperatureFit, {
    nullable: true,
    description: 'The newest temperature fit of a training run (the one evaluations apply); null when none',
  })
  async temperatureFit(@Arg('trainingRunId', () => ID) trainingRunId: string, @Ctx() ctx: ApiContext) {
    if (!isUuid(trainingRunId)) return null;
    return ctx.store.temperatureFit.findFirst({
      where: { trainingRunId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
  }

  @Authorized('OPERATOR')
  @Mutation(() => Run, {
    description:
      "Fit a training run's temperature on its dataset's validation split (a CALIBRATE run, one job); returns the run at once",
  })
  async fitTemperature(
    @Arg('trainingRunId', () => ID) trainingRunId: string,
    @Arg('samples', () => Int, {
      defaultValue: 20,
      description: 'Posterior samples per slice (≥ 2 for MC Dropout and BBB; plain 1; ensembles their members)',
    })
    samples: number,
    @Arg('seed', () => Int, { defaultValue: 1 }) seed: number,
    @Ctx() ctx: ApiContext,
  ) {
    return launchTemperatureFit(launcher(ctx), { trainingRunId, samples, seed });
  }
}
