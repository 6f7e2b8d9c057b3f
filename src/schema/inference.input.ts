import { Field, ID, InputType, Int } from 'type-graphql';
import { ArrayMaxSize, IsOptional, Max, Min } from 'class-validator';

@InputType({ description: 'Segment a dataset (labels optional) with uncertainty; give trainingRunId or checkpointIds' })
export class InferenceInput {
  @Field(() => ID, { nullable: true, description: 'A SUCCEEDED training run: every checkpoint of it' })
  trainingRunId?: string;

  @Field(() => [ID], { nullable: true, description: 'Or chosen checkpoints of one training run' })
  @IsOptional()
  @ArrayMaxSize(64)
  checkpointIds?: string[];

  @Field(() => ID)
  datasetId!: string;

  @Field(() => Int, {
    defaultValue: 20,
    description: 'Posterior samples T ≥ 1 (plain models give 1, ensembles one per member)',
  })
  @Max(500)
  samples!: number;

  @Field(() => ID, { nullable: true, description: 'A QC policy chosen for this model: flags slices for review' })
  policyId?: string;

  @Field(() => Int, { defaultValue: 0, description: 'Seed of the sampling (one for every slice)' })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed!: number;

  @Field(() => Int, { defaultValue: 16, description: 'Slices per job; shards run on any worker' })
  @Min(1)
  @Max(1000)
  shardSize!: number;
}
