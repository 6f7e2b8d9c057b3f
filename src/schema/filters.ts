/** Filter inputs of the list queries. */
import { Field, Float, ID, InputType } from 'type-graphql';
import { Max, Min } from 'class-validator';
import { DatasetSource, Method, Phase, RunKind, RunStatus, Split } from './enums';

@InputType()
export class DatasetFilter {
  @Field(() => DatasetSource, { nullable: true })
  source?: DatasetSource;

  @Field(() => String, { nullable: true })
  site?: string;
}

@InputType()
export class SubjectFilter {
  @Field(() => ID, { nullable: true })
  datasetId?: string;

  @Field(() => Split, { nullable: true })
  split?: Split;

  @Field(() => String, { nullable: true, description: "Site of the subject's dataset" })
  site?: string;

  @Field(() => String, { nullable: true, description: 'Pathology group' })
  group?: string;
}

@InputType()
export class SliceFilter extends SubjectFilter {
  @Field(() => ID, { nullable: true })
  subjectId?: string;

  @Field(() => Phase, { nullable: true })
  phase?: Phase;

  @Field(() => Float, { nullable: true, description: 'Lowest normalised position (0 = base)' })
  @Min(0)
  @Max(1)
  positionMin?: number;

  @Field(() => Float, { nullable: true, description: 'Highest normalised position (1 = apex)' })
  @Min(0)
  @Max(1)
  positionMax?: number;
}

@InputType()
export class RunFilter {
  @Field(() => RunKind, { nullable: true })
  kind?: RunKind;

  @Field(() => Method, { nullable: true })
  method?: Method;

  @Field(() => RunStatus, { nullable: true })
  status?: RunStatus;

  @Field(() => ID, { nullable: true })
  parentRunId?: string;
}
