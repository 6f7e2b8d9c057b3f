import { Field, InputType, Int } from 'type-graphql';
import { IsIn, Length, Matches, Max, Min } from 'class-validator';

@InputType({ description: 'A synthetic phantom dataset (shared/PHANTOM.md)' })
export class PhantomDatasetInput {
  @Field(() => String, { description: 'Unique dataset name: letters, digits, - _ . (1..64)' })
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name may contain letters, digits, "-", "_" and "." only' })
  name!: string;

  @Field(() => String, { description: 'A (UK Biobank-like, healthy) or B (ACDC-like, five groups)' })
  @IsIn(['A', 'B'], { message: 'site must be A or B' })
  site!: string;

  @Field(() => Int, { description: 'Number of subjects, 1..500' })
  @Min(1)
  @Max(500)
  subjects!: number;

  @Field(() => Int, { defaultValue: 1 })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed!: number;
}
