/** An inference and its slices, for triage (docs/design.md "Inference"). */
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Connection } from './connection';
import { Structure } from './enums';
import { UncertaintyMeasure } from './evaluation.type';
import { PromisedFraction } from './policy.type';

@ObjectType({ description: 'One rule of the policy applied to one slice' })
export class RuleDecision {
  @Field(() => Structure) structure!: Structure;
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => Float, { nullable: true, description: 'The score read; null when +∞ (undefined ASSD_within)' })
  value!: number | null;
  @Field(() => Float, { nullable: true, description: 'null: the rule flags nothing; +∞ also reads as null' })
  threshold!: number | null;
  @Field(() => Boolean) flagged!: boolean;
}

@ObjectType({ description: 'Within-sample measures and pixel counts of one structure on one slice' })
export class InferenceStructureRow {
  @Field(() => Structure) structure!: Structure;
  @Field(() => Float) diceWithin!: number;
  @Field(() => Float, { nullable: true, description: 'null where undefined for every sample' })
  assdWithinMm!: number | null;
  @Field(() => Int, { description: 'Pixels of the structure in the mean segmentation' }) pixels!: number;
  @Field(() => [Int], { description: 'Pixels of the structure in each posterior sample t' }) samplePixels!: number[];
}

@ObjectType({ description: 'One segmented slice of an inference' })
export class InferenceSlice {
  @Field(() => ID) id!: string;
  @Field(() => ID) inferenceId!: string;
  @Field(() => ID) sliceId!: string;
  @Field(() => Int) shard!: number;
  @Field(() => Float, { description: 'Image-mean predictive entropy, nats' }) entropy!: number;
  @Field(() => Float, { description: 'Image-mean mutual information, nats' }) mi!: number;
  @Field(() => Boolean, { nullable: true, description: 'Any rule flags it; null without a policy' })
  flagged!: boolean | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class InferenceCounts {
  @Field(() => Int) slices!: number;
  @Field(() => Int) flaggedSlices!: number;
  @Field(() => Int) subjects!: number;
  @Field(() => Int, { description: 'Subjects with at least one flagged slice' }) flaggedSubjects!: number;
}

@ObjectType({ description: "The inference's flagged fraction against the policy's promise on its evaluation" })
export class ReviewFractionCheck {
  @Field(() => Float, { description: 'Flagged slices / slices of this inference' }) realised!: number;
  @Field(() => PromisedFraction) promised!: PromisedFraction;
  @Field(() => Boolean, { description: 'realised lies in the promised 95 % interval' }) withinInterval!: boolean;
}

@ObjectType({ description: 'A subject in the triage order: flagged when any of its slices is' })
export class TriageSubject {
  @Field(() => ID) subjectId!: string;
  @Field(() => String) externalId!: string;
  @Field(() => Int) slices!: number;
  @Field(() => Int) flaggedSlices!: number;
  @Field(() => Boolean) flagged!: boolean;
  @Field(() => Float, { nullable: true, description: 'Highest triage score of its slices; null when +∞' })
  maxScore!: number | null;
}

@ObjectType({ description: 'Where an inference came from' })
export class InferenceProvenance {
  @Field(() => ID) datasetId!: string;
  @Field(() => String, { description: "The dataset's content hash when the inference was asked for" })
  datasetHash!: string;
  @Field(() => [ID]) checkpointIds!: string[];
  @Field(() => [String], { description: 'SHA-256 of each checkpoint, member order' }) weightsSha256!: string[];
  @Field(() => ID) trainingRunId!: string;
  @Field(() => ID, { nullable: true }) policyId!: string | null;
  @Field(() => GraphQLJSON) config!: unknown;
  @Field(() => Int, { nullable: true }) seed!: number | null;
  @Field(() => String) codeVersion!: string;
  @Field(() => String, { nullable: true }) backend!: string | null;
  @Field(() => String, { description: 'Who started the inference' }) actor!: string;
}

@ObjectType({ description: 'Segmentation with uncertainty of a dataset that may have no ground truth' })
export class Inference {
  @Field(() => ID) id!: string;
  @Field(() => ID) runId!: string;
  @Field(() => ID) trainingRunId!: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => ID, { nullable: true }) policyId!: string | null;
  @Field(() => Int, { description: 'Posterior samples T drawn per slice' }) samples!: number;
  @Field(() => Date) createdAt!: Date;
}

export const InferenceConnection = Connection(Inference, 'Inference');
export const InferenceSliceConnection = Connection(InferenceSlice, 'InferenceSlice');
