import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { DatasetSource } from './enums';
import { Connection } from './connection';

@ObjectType({
  description: 'A set of subjects and slices: the phantom, or an ACDC, M&Ms or plain NIfTI folder (labels optional)',
})
export class Dataset {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DatasetSource)
  source!: DatasetSource;

  @Field(() => String, { nullable: true, description: 'Acquisition site (phantom: A or B)' })
  site!: string | null;

  @Field(() => String, { nullable: true })
  vendor!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Generator parameters of a synthetic dataset' })
  generatorParams!: unknown;

  @Field(() => String, { description: 'SHA-256 over the slices content hashes' })
  contentHash!: string;

  @Field(() => String)
  createdBy!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class DatasetConnection extends Connection(Dataset, 'Dataset') {}
