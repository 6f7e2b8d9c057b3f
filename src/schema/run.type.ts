import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Method, RunKind, RunStatus } from './enums';
import { Connection } from './connection';

@ObjectType({ description: 'A unit of work: dataset creation, training, evaluation, sweep or study' })
export class Run {
  @Field(() => ID)
  id!: string;

  @Field(() => RunKind)
  kind!: RunKind;

  @Field(() => Method, { nullable: true })
  method!: Method | null;

  @Field(() => GraphQLJSON, { description: 'Full configuration as submitted, defaults filled in' })
  config!: unknown;

  @Field(() => Int, { nullable: true })
  seed!: number | null;

  @Field(() => RunStatus)
  status!: RunStatus;

  @Field(() => Float, { description: 'Fraction done, 0..1' })
  progress!: number;

  @Field(() => String, { nullable: true })
  stage!: string | null;

  @Field(() => Float, { nullable: true })
  etaSeconds!: number | null;

  @Field(() => String, { nullable: true, description: 'TensorFlow.js backend that ran it' })
  backend!: string | null;

  @Field(() => String)
  codeVersion!: string;

  @Field(() => String)
  createdBy!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { nullable: true, description: 'pg-boss job id' })
  jobId!: string | null;

  @Field(() => ID, { nullable: true })
  parentRunId!: string | null;

  @Field(() => ID, { nullable: true, description: 'Dataset the run created or trained/evaluated on' })
  datasetId!: string | null;
}

@ObjectType()
export class RunConnection extends Connection(Run, 'Run') {}

@ObjectType({ description: 'One finished training epoch of one member' })
export class TrainingEpoch {
  @Field(() => Int)
  member!: number;

  @Field(() => Int)
  epoch!: number;

  @Field(() => Float)
  trainLoss!: number;

  @Field(() => Float)
  valNll!: number;

  @Field(() => Float)
  seconds!: number;
}
