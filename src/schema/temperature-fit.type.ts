import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    'A temperature fitted on a training run\'s validation split by minimising the mean pixel NLL of softmax(log p / T) (docs/design.md "Temperature scaling")',
})
export class TemperatureFit {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The CALIBRATE run that fitted it (config, seed, backend)' })
  runId!: string;

  @Field(() => ID)
  trainingRunId!: string;

  @Field(() => Float, { description: 'T > 0; > 1 softens over-confident probabilities' })
  temperature!: number;

  @Field(() => Float, { description: 'Mean validation NLL (nats per pixel-sample) at T = 1' })
  valNllBefore!: number;

  @Field(() => Float, { description: 'Mean validation NLL at the fitted T (≤ valNllBefore)' })
  valNllAfter!: number;

  @Field(() => Int, { description: 'Validation slices sampled' })
  slices!: number;

  @Field(() => Int, { description: 'Pixel-samples the NLL is a mean over' })
  pixels!: number;

  @Field(() => Int, { description: 'Posterior samples per slice' })
  samples!: number;

  @Field(() => String)
  createdBy!: string;

  @Field(() => String)
  codeVersion!: string;

  @Field(() => Date)
  createdAt!: Date;
}
