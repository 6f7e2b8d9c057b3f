import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { launchStudy } from '../services/study/launch';
import { Run } from '../schema/run.type';
import { StudyInput } from '../schema/study.input';
import { launcher, type ApiContext } from './context';

@Resolver()
export class StudyMutations {
  @Authorized('OPERATOR')
  @Mutation(() => Run, {
    description:
      'Launch the benchmark study; workers carry it out (follow run(id), its children via runs(filter: { parentRunId })). The same study ' +
      'launched before is returned instead: resumed when it stopped, extended when more repeats are asked for',
  })
  async startStudy(@Arg('input', () => StudyInput) input: StudyInput, @Ctx() ctx: ApiContext) {
    return (await launchStudy(launcher(ctx), { preset: input.preset, repeats: input.repeats })).run;
  }
}
