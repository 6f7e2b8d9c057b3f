import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Phase } from './enums';
import { Connection } from './connection';

@ObjectType({ description: 'One 2-D short-axis slice with its ground truth' })
export class Slice {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => Phase)
  phase!: Phase;

  @Field(() => Int)
  sliceIndex!: number;

  @Field(() => Int)
  sliceCount!: number;

  @Field(() => Float, { description: 'Normalised position, 0 = base, 1 = apex' })
  position!: number;

  @Field(() => Float, { description: 'Pixel spacing along rows (NIfTI x), mm' })
  spacingXMm!: number;

  @Field(() => Float, { description: 'Pixel spacing along columns (NIfTI y), mm' })
  spacingYMm!: number;

  @Field(() => Int)
  rows!: number;

  @Field(() => Int)
  cols!: number;

  @Field(() => String, { description: 'SHA-256 of image and label bytes' })
  contentHash!: string;
}

@ObjectType()
export class SliceConnection extends Connection(Slice, 'Slice') {}
