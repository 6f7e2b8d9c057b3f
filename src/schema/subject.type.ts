import { Field, ID, ObjectType } from 'type-graphql';
import { Split } from './enums';
import { Connection } from './connection';

@ObjectType()
export class Subject {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  datasetId!: string;

  @Field(() => String, { description: 'Identifier in the source dataset, e.g. patient001' })
  externalId!: string;

  @Field(() => String, { nullable: true, description: 'Pathology group: NOR, DCM, HCM, MINF, ARV' })
  group!: string | null;

  @Field(() => Split)
  split!: Split;

  @Field(() => String, { nullable: true, description: 'Scanner vendor (M&Ms CSV); null where the source does not say' })
  vendor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Acquisition centre (M&Ms CSV); null where the source does not say',
  })
  centre!: string | null;
}

@ObjectType()
export class SubjectConnection extends Connection(Subject, 'Subject') {}
