import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { ArrayMaxSize, ArrayMinSize, Max, Min, ValidateNested } from 'class-validator';
import { PolicyTarget, Structure } from './enums';
import { UncertaintyMeasure } from './evaluation.type';

@InputType()
export class PolicyRuleInput {
  @Field(() => Structure)
  structure!: Structure;

  @Field(() => UncertaintyMeasure)
  measure!: UncertaintyMeasure;
}

@InputType()
export class PolicyInput {
  @Field(() => String, { description: 'Unique name' })
  name!: string;

  @Field(() => ID, { description: 'A finished evaluation on labelled data' })
  evaluationId!: string;

  @Field(() => [PolicyRuleInput], { description: 'A slice is flagged when any rule flags it' })
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @ValidateNested()
  rules!: PolicyRuleInput[];

  @Field(() => PolicyTarget, { defaultValue: 'POOR_LEFT' })
  targetKind!: PolicyTarget;

  @Field(() => Float, { defaultValue: 0.05, description: 'A fraction of all slices, in [0, 1]' })
  target!: number;

  @Field(() => Int, { defaultValue: 1000, description: 'Bootstrap resamples over subjects' })
  @Min(1)
  @Max(100000)
  resamples!: number;

  @Field(() => Int, { defaultValue: 0, description: 'Seed of the bootstrap draws' })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed!: number;
}
