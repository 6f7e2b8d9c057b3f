import { Field, InputType, Int } from 'type-graphql';
import { IsIn, Max, Min } from 'class-validator';
import { STUDY_PRESETS, type StudyPreset } from '../domain/run-config';

@InputType({
  description:
    "The paper's benchmark study: both sites' datasets, every method, the distortion sweeps and the site-B evaluation",
})
export class StudyInput {
  @Field(() => String, {
    defaultValue: 'quick',
    description: 'tiny (tests), quick (2-core CPU, ≤ 30 min), standard (CPU hours, GPU minutes), paper (GPU)',
  })
  @IsIn([...STUDY_PRESETS], { message: 'preset must be tiny, quick, standard or paper' })
  preset!: StudyPreset;

  @Field(() => Int, {
    defaultValue: 1,
    description: 'Repeats of every training with other seeds, 1..20 (more than a launched study has extends it)',
  })
  @Min(1)
  @Max(20)
  repeats!: number;
}
