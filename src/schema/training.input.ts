import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { IsIn, Max, Min } from 'class-validator';
import type { PresetName } from '../engine/models/presets';
import { Method } from './enums';

@InputType({ description: 'A training run (paper "Training Details"); unset options take the paper\'s best' })
export class TrainingInput {
  @Field(() => ID)
  datasetId!: string;

  @Field(() => Method)
  method!: Method;

  @Field(() => String, { defaultValue: 'quick', description: 'tiny (tests), quick (2-core CPU), paper (GPU)' })
  @IsIn(['tiny', 'quick', 'paper'], { message: 'preset must be tiny, quick or paper' })
  preset!: PresetName;

  @Field(() => Int, { nullable: true, description: "Epochs (default: the preset's)" })
  @Min(1)
  @Max(500)
  epochs?: number;

  @Field(() => Int, { defaultValue: 1 })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed!: number;

  @Field(() => Float, { nullable: true, description: 'MC Dropout rate (paper 0.1, 0.3, 0.5; default 0.1)' })
  @Min(0.01)
  @Max(0.9)
  dropoutRate?: number;

  @Field(() => String, { nullable: true, description: 'MC Dropout placement: all or middle (default middle)' })
  @IsIn(['all', 'middle'], { message: 'dropoutLayers must be all or middle' })
  dropoutLayers?: 'all' | 'middle';

  @Field(() => Float, { nullable: true, description: 'BBB prior σ (paper 0.1 or 1.0; default 0.1)' })
  @Min(1e-4)
  @Max(100)
  priorSigma?: number;

  @Field(() => Float, { nullable: true, description: 'BBB KL weight λ (paper 0.1, 1, 10, 30; default 10)' })
  @Min(0)
  @Max(1000)
  klWeight?: number;

  @Field(() => Int, { nullable: true, description: 'Deep Ensemble members (paper 10; default 5)' })
  @Min(2)
  @Max(50)
  members?: number;
}
