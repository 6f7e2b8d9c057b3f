/** The auditor's lineage of a segmentation (src/store/lineage.ts; docs/design.md "GraphQL API"). */
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Evaluation } from './evaluation.type';

export enum LinkStatus {
  VERIFIED = 'VERIFIED',
  MISMATCH = 'MISMATCH',
  UNRECORDED = 'UNRECORDED',
  UNCHECKABLE = 'UNCHECKABLE',
  BROKEN = 'BROKEN',
}
registerEnumType(LinkStatus, {
  name: 'LinkStatus',
  description:
    'VERIFIED: the recording audit event is intact and the rows agree with it. MISMATCH: the rows no longer give what it records. UNRECORDED: no audit event records it. UNCHECKABLE: recorded before result digests, or nothing to recompute. BROKEN: the audit event itself fails verification (see reason).',
});

@ObjectType({ description: 'One link of a lineage and whether it verifies' })
export class LineageLink {
  @Field(() => String, { description: 'What it ties, e.g. "slice → dataset"' }) name!: string;
  @Field(() => String) from!: string;
  @Field(() => String) to!: string;
  @Field(() => LinkStatus) status!: LinkStatus;
  @Field(() => String) detail!: string;
  @Field(() => String, { nullable: true, description: 'Sequence number of the audit event that records it' })
  auditSeq!: string | null;
  @Field(() => String, { nullable: true, description: 'Why the audit event does not verify (BROKEN)' })
  reason!: string | null;
}

@ObjectType()
export class LineageSlice {
  @Field(() => ID) id!: string;
  @Field(() => String) contentHash!: string;
  @Field(() => String, { description: "The subject's external id" }) subject!: string;
  @Field(() => String) phase!: string;
  @Field(() => Int) sliceIndex!: number;
  @Field(() => Float) position!: number;
}

@ObjectType()
export class LineageDataset {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) site!: string | null;
  @Field(() => String) source!: string;
  @Field(() => String) contentHash!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class LineageCheckpoint {
  @Field(() => ID) id!: string;
  @Field(() => Int) member!: number;
  @Field(() => Int) epoch!: number;
  @Field(() => String) weightsSha256!: string;
  @Field(() => String) backend!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'A run as provenance: what ran, how, by whom, when' })
export class LineageRun {
  @Field(() => ID) id!: string;
  @Field(() => String) kind!: string;
  @Field(() => String, { nullable: true }) method!: string | null;
  @Field(() => GraphQLJSON) config!: unknown;
  @Field(() => Int, { nullable: true }) seed!: number | null;
  @Field(() => String) codeVersion!: string;
  @Field(() => String, { nullable: true }) backend!: string | null;
  @Field(() => String, { description: 'Who started it' }) actor!: string;
  @Field(() => String) status!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType({
  description:
    'Where a segmentation came from: slice → dataset, evaluation shard → checkpoints → training run, and whether each link verifies',
})
export class Lineage {
  @Field(() => ID) predictionId!: string;
  @Field(() => Evaluation) evaluation!: Evaluation;
  @Field(() => Int) shard!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => LineageSlice) slice!: LineageSlice;
  @Field(() => LineageDataset) dataset!: LineageDataset;
  @Field(() => [LineageCheckpoint], { description: 'One per model (ensemble: each member)' })
  checkpoints!: LineageCheckpoint[];
  @Field(() => LineageRun) training!: LineageRun;
  @Field(() => LineageRun) evaluationRun!: LineageRun;
  @Field(() => [LineageLink]) links!: LineageLink[];
  @Field(() => String, { description: 'What was verified, in words' }) scope!: string;
}
