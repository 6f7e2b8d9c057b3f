/** A stored QC policy (docs/design.md "QC policy"). */
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Connection } from './connection';
import { PolicyTarget, Structure } from './enums';
import { UncertaintyMeasure } from './evaluation.type';

@ObjectType({ description: 'A rule: flag a slice when its score for (structure, measure) is ≥ threshold' })
export class PolicyRule {
  @Field(() => Structure) structure!: Structure;
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => Float, {
    nullable: true,
    description:
      'Flag score ≥ threshold (score: entropy, MI, 1 − Dice_within, ASSD_within); null flags nothing. A +∞ threshold (only undefined ASSD_within) reads as thresholdIsInfinite',
  })
  threshold!: number | null;
  @Field(() => Boolean, { description: 'The threshold is +∞: only slices with undefined ASSD_within are flagged' })
  thresholdIsInfinite!: boolean;
}

@ObjectType({ description: 'A promised fraction with its subject-bootstrap 95 % interval' })
export class PromisedFraction {
  @Field(() => Float) estimate!: number;
  @Field(() => Float) low!: number;
  @Field(() => Float) high!: number;
}

@ObjectType({ description: 'Thresholds chosen on a labelled evaluation, with what they promise' })
export class Policy {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => ID, { description: 'The evaluation the thresholds were chosen on' }) evaluationId!: string;
  @Field(() => ID, { description: 'The model the thresholds belong to' }) trainingRunId!: string;
  @Field(() => PolicyTarget) targetKind!: PolicyTarget;
  @Field(() => Float) target!: number;
  @Field(() => Int, { description: 'Slices of the evaluation the thresholds were chosen on' }) cases!: number;
  @Field(() => String) codeVersion!: string;
  @Field(() => String) createdBy!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => GraphQLJSON, { description: '{ resamples, seed, level, unit, subjects }' }) bootstrap!: unknown;
}

export const PolicyConnection = Connection(Policy, 'Policy');
