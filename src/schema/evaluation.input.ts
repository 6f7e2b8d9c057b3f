import { Field, ID, InputType, Int } from 'type-graphql';
import { ArrayMaxSize, ArrayMinSize, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { DistortionKind, Split } from './enums';

@InputType({ description: 'A distortion never seen in training: NOISE, BLUR, STRETCH at level 1..4, or NONE' })
export class DistortionInput {
  @Field(() => DistortionKind)
  kind!: DistortionKind;

  @Field(() => Int, { defaultValue: 0, description: '0 for NONE; 1..4 otherwise (docs/design.md "Distortions")' })
  @Min(0)
  @Max(4)
  level!: number;
}

@InputType()
export class EvaluationInput {
  @Field(() => ID, { description: 'A SUCCEEDED training run' })
  trainingRunId!: string;

  @Field(() => ID)
  datasetId!: string;

  @Field(() => Split, { nullable: true, description: 'Only this split (default: every slice of the dataset)' })
  split?: Split;

  @Field(() => DistortionInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  distortion?: DistortionInput;

  @Field(() => Int, {
    defaultValue: 50,
    description: 'Posterior samples T (≥ 2 for MC Dropout and BBB; ensembles use their members)',
  })
  @Min(1)
  @Max(500)
  samples!: number;

  @Field(() => Boolean, { defaultValue: false, description: 'Also store every sample as a label map' })
  storeSamples!: boolean;

  @Field(() => Int, { defaultValue: 1, description: 'Seed of distortions and sampling' })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed!: number;

  @Field(() => Int, { defaultValue: 16, description: 'Slices per job; shards run on any worker' })
  @Min(1)
  @Max(1000)
  shardSize!: number;
  @Field(() => Boolean, {
    defaultValue: false,
    description:
      'Test-time augmentation: sample t is the model\'s draw t on a randomly flipped/turned/warped/intensity-perturbed image, inverted on the output (docs/design.md "Test-time augmentation"); a plain model then needs samples ≥ 2',
  })
  testTimeAugmentation!: boolean;

  @Field(() => Boolean, {
    defaultValue: false,
    description: "Apply the training run's newest temperature fit to every sample (fitTemperature first)",
  })
  temperatureScaling!: boolean;
}

@InputType()
export class DistortionSweepInput {
  @Field(() => ID)
  trainingRunId!: string;

  @Field(() => ID)
  datasetId!: string;

  @Field(() => Split, { nullable: true })
  split?: Split;

  @Field(() => [DistortionKind], { defaultValue: ['NOISE', 'BLUR', 'STRETCH'] })
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  kinds!: DistortionKind[];

  @Field(() => [Int], {
    defaultValue: [1, 2, 3, 4],
    description: 'Levels 1..4; level 0 (undistorted) is always included',
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @Min(1, { each: true })
  @Max(4, { each: true })
  levels!: number[];

  @Field(() => Int, { defaultValue: 50 })
  @Min(1)
  @Max(500)
  samples!: number;

  @Field(() => Int, { defaultValue: 1 })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed!: number;

  @Field(() => Int, { defaultValue: 16 })
  @Min(1)
  @Max(1000)
  shardSize!: number;
  @Field(() => Boolean, {
    defaultValue: false,
    description:
      'Test-time augmentation: sample t is the model\'s draw t on a randomly flipped/turned/warped/intensity-perturbed image, inverted on the output (docs/design.md "Test-time augmentation"); a plain model then needs samples ≥ 2',
  })
  testTimeAugmentation!: boolean;

  @Field(() => Boolean, {
    defaultValue: false,
    description: "Apply the training run's newest temperature fit to every sample (fitTemperature first)",
  })
  temperatureScaling!: boolean;
}
