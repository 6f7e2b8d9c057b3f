/**
 * `compare`'s result (docs/design.md "GraphQL API" → compare, "Bootstrap intervals"): per
 * evaluation the accuracy, calibration and uncertainty means with their 95 % subject-bootstrap
 * intervals, per structure and measure Spearman ρ with ASSD and its interval, and per structure the
 * QC curve of a measure with intervals for its AUC and review fraction.
 */
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { DistortionKind, Method, Structure } from './enums';
import { Calibration, QcCurve, StructureSummary, UncertaintyMeasure } from './evaluation.type';

@ObjectType({
  description:
    'A 95 % subject-bootstrap interval: 2.5 % and 97.5 % quantiles over seeded resamples of subjects (docs/design.md "Bootstrap intervals")',
})
export class Interval95 {
  @Field(() => Float) low!: number;
  @Field(() => Float) high!: number;
}

@ObjectType({ description: 'A structure summary with intervals for its means (null: no resample defines it)' })
export class ComparisonStructure extends StructureSummary {
  @Field(() => Interval95, { nullable: true }) diceCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) assdCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) hdCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) hd95Ci95!: Interval95 | null;
}

@ObjectType({ description: 'Calibration with intervals for ECE, NLL and Brier' })
export class ComparisonCalibration extends Calibration {
  @Field(() => Interval95, { nullable: true }) eceCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) nllCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) brierCi95!: Interval95 | null;
}

@ObjectType({ description: "One structure's QC curve by a measure, its baselines, and intervals for AUC and review" })
export class ComparisonQc {
  @Field(() => Structure) structure!: Structure;
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => Float, { description: 'Poor fraction the review fractions leave at most' }) target!: number;
  @Field(() => QcCurve, { description: 'Flag by the measure (points thinned to maxPoints; auc over every row)' })
  curve!: QcCurve;
  @Field(() => QcCurve) random!: QcCurve;
  @Field(() => QcCurve) slicePosition!: QcCurve;
  @Field(() => Float, { description: 'Review fraction by the measure that leaves ≤ target poor' }) reviewAt!: number;
  @Field(() => Float) randomReviewAt!: number;
  @Field(() => Float) slicePositionReviewAt!: number;
  @Field(() => Interval95, { nullable: true }) aucCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) reviewAtCi95!: Interval95 | null;
}

@ObjectType({
  description:
    "Spearman ρ of an uncertainty measure with the structure's ASSD (as Evaluation.correlations) and its interval",
})
export class ComparisonCorrelation {
  @Field(() => Structure) structure!: Structure;
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => Float, { nullable: true, description: 'Spearman rank correlation with ASSD (average ranks for ties)' })
  spearman!: number | null;
  @Field(() => Int, { description: 'Rows with both values defined' }) n!: number;
  @Field(() => Interval95, { nullable: true }) spearmanCi95!: Interval95 | null;
}

@ObjectType({ description: 'One row of a method comparison' })
export class ComparisonRow {
  @Field(() => ID) evaluationId!: string;
  @Field(() => Method, { nullable: true }) method!: Method | null;
  @Field(() => ID) trainingRunId!: string;
  @Field(() => DistortionKind) distortionKind!: DistortionKind;
  @Field(() => Int) distortionLevel!: number;
  @Field(() => String, { nullable: true }) site!: string | null;
  @Field(() => Int, { description: 'Subjects in scope: the units the intervals resample' }) subjects!: number;
  @Field(() => [ComparisonStructure]) structures!: ComparisonStructure[];
  @Field(() => ComparisonCalibration) calibration!: ComparisonCalibration;
  @Field(() => Float, { nullable: true }) entropy!: number | null;
  @Field(() => Interval95, { nullable: true }) entropyCi95!: Interval95 | null;
  @Field(() => Float, { nullable: true }) mi!: number | null;
  @Field(() => Interval95, { nullable: true }) miCi95!: Interval95 | null;
  @Field(() => [ComparisonCorrelation], {
    description: 'Per structure in scope, then measure: Spearman ρ with ASSD over the rows compare read',
  })
  correlations!: ComparisonCorrelation[];
}
