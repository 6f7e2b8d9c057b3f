import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Job counts of one pg-boss queue, read from its job table' })
export class QueueInfo {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  queued!: number;

  @Field(() => Int)
  active!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  completed!: number;
}

@ObjectType()
export class ServerInfo {
  @Field(() => String)
  version!: string;

  @Field(() => String, { description: 'Version plus commit, as runs record it in their provenance' })
  codeVersion!: string;

  @Field(() => String, { description: 'TensorFlow.js backend this installation selects for work' })
  backend!: string;

  @Field(() => String, { description: 'Which Postgres the store lives in (no credentials)' })
  database!: string;

  @Field(() => [QueueInfo])
  queues!: QueueInfo[];
}
