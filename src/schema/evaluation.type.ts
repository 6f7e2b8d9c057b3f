import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Max, Min } from 'class-validator';
import { DistortionKind, MetricStatus, Phase, Split, Structure } from './enums';
import { Connection } from './connection';

export enum UncertaintyMeasure {
  ENTROPY = 'ENTROPY',
  MI = 'MI',
  DICE_WITHIN = 'DICE_WITHIN',
  ASSD_WITHIN = 'ASSD_WITHIN',
}
registerEnumType(UncertaintyMeasure, {
  name: 'UncertaintyMeasure',
  description:
    'ENTROPY, MI: image means (nats). DICE_WITHIN, ASSD_WITHIN: per structure. For QC, slices are flagged in descending uncertainty: entropy, MI, 1 − Dice_within, ASSD_within (undefined first).',
});

@InputType({ description: 'Which evaluated slices a summary, curve or list covers' })
export class SliceScope {
  @Field(() => Split, { nullable: true })
  split?: Split;

  @Field(() => String, { nullable: true, description: 'Site of the dataset' })
  site?: string;

  @Field(() => String, { nullable: true, description: 'Pathology group' })
  group?: string;

  @Field(() => Phase, { nullable: true })
  phase?: Phase;

  @Field(() => Float, { nullable: true })
  @Min(0)
  @Max(1)
  positionMin?: number;

  @Field(() => Float, { nullable: true })
  @Min(0)
  @Max(1)
  positionMax?: number;
}

@ObjectType({ description: 'A distribution summary (for box plots): quartiles, whiskers at min/max' })
export class Distribution {
  @Field(() => Int) n!: number;
  @Field(() => Float, { nullable: true }) mean!: number | null;
  @Field(() => Float, { nullable: true }) min!: number | null;
  @Field(() => Float, { nullable: true }) q1!: number | null;
  @Field(() => Float, { nullable: true }) median!: number | null;
  @Field(() => Float, { nullable: true }) q3!: number | null;
  @Field(() => Float, { nullable: true }) max!: number | null;
}

@ObjectType({ description: 'Accuracy and uncertainty of one structure over an evaluation (means over kept slices)' })
export class StructureSummary {
  @Field(() => Structure) structure!: Structure;
  @Field(() => Int, { description: 'Slices evaluated' }) n!: number;
  @Field(() => Int, { description: 'Slices whose distances are defined (kept in ASSD/HD means)' }) kept!: number;
  @Field(() => Int, { description: 'Slices with undefined distances (one mask empty): counted as poor' })
  undefinedCount!: number;
  @Field(() => Int) poorCount!: number;
  @Field(() => Float) dice!: number;
  @Field(() => Float, { nullable: true }) assd!: number | null;
  @Field(() => Float, { nullable: true }) hd!: number | null;
  @Field(() => Float, { nullable: true }) hd95!: number | null;
  @Field(() => Float, { nullable: true }) diceWithin!: number | null;
  @Field(() => Float, { nullable: true }) assdWithin!: number | null;
}

@ObjectType()
export class ReliabilityPoint {
  @Field(() => Float, { description: 'Bin centre' }) binCentre!: number;
  @Field(() => Float, { nullable: true, description: 'Mean confidence of the pixels in the bin' }) confidence!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Fraction of those pixels classified correctly' }) accuracy!:
    number | null;
  @Field(() => Float) count!: number;
}

@ObjectType({ description: 'Pixel-level calibration over the evaluation (histograms summed in SQL)' })
export class Calibration {
  @Field(() => Int) bins!: number;
  @Field(() => Float, { nullable: true }) ece!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean over slices of the per-slice pixel-mean NLL' }) nll!:
    number | null;
  @Field(() => Float, { nullable: true }) brier!: number | null;
  @Field(() => [ReliabilityPoint]) points!: ReliabilityPoint[];
}

@ObjectType()
export class QcPoint {
  @Field(() => Float, { description: 'Fraction of slices flagged for review' }) flagged!: number;
  @Field(() => Float, { description: 'Poor segmentations left unflagged, as a fraction of all slices' })
  remaining!: number;
}

@ObjectType({ description: 'Segmentation quality control: flag slices in descending uncertainty' })
export class QcCurve {
  @Field(() => [QcPoint], {
    description:
      'The curve for drawing: at most maxPoints, thinned keeping the endpoints (docs/design.md "GraphQL API")',
  })
  points!: QcPoint[];
  @Field(() => Float, { description: 'Area under the whole curve (every row), trapezoid rule' }) auc!: number;
  @Field(() => Int) n!: number;
  @Field(() => Int) poor!: number;
}

@ObjectType()
export class QcBaselines {
  @Field(() => QcCurve, { description: 'Random review: the expected straight line' }) random!: QcCurve;
  @Field(() => QcCurve, { description: 'Most basal and most apical slices first' }) slicePosition!: QcCurve;
}

@ObjectType()
export class Correlation {
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => Structure) structure!: Structure;
  @Field(() => Float, { nullable: true, description: 'Spearman rank correlation with ASSD (average ranks for ties)' })
  spearman!: number | null;
  @Field(() => Int, { description: 'Slices with both values defined' }) n!: number;
}

@ObjectType()
export class Checkpoint {
  @Field(() => ID) id!: string;
  @Field(() => ID) runId!: string;
  @Field(() => Int) member!: number;
  @Field(() => Int) epoch!: number;
  @Field(() => Float) valNll!: number;
  @Field(() => String) weightsSha256!: string;
  @Field(() => String) backend!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'BBB σ statistics and MC Dropout rates per layer' })
  layerStats!: unknown;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class Evaluation {
  @Field(() => ID) id!: string;
  @Field(() => ID) runId!: string;
  @Field(() => ID) trainingRunId!: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => Split, { nullable: true }) split!: Split | null;
  @Field(() => DistortionKind) distortionKind!: DistortionKind;
  @Field(() => Int) distortionLevel!: number;
  @Field(() => Int, { description: 'Posterior samples T' }) samples!: number;
  @Field(() => Int) calibrationBins!: number;
  @Field(() => Int, { description: 'Version of the metric definitions the rows were computed with' })
  metricVersion!: number;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class StructureMetricRow {
  @Field(() => Structure) structure!: Structure;
  @Field(() => MetricStatus) status!: MetricStatus;
  @Field(() => Float) dice!: number;
  @Field(() => Float, { nullable: true }) assdMm!: number | null;
  @Field(() => Float, { nullable: true }) hdMm!: number | null;
  @Field(() => Float, { nullable: true }) hd95Mm!: number | null;
  @Field(() => Float, { nullable: true }) diceWithin!: number | null;
  @Field(() => Float, { nullable: true }) assdWithinMm!: number | null;
  @Field(() => Boolean) poor!: boolean;
}

@ObjectType()
export class ImageMetricRow {
  @Field(() => Float) nll!: number;
  @Field(() => Float) brier!: number;
  @Field(() => Float) entropy!: number;
  @Field(() => Float) mi!: number;
  @Field(() => [Int], {
    description:
      'Reliability histogram of the slice (Evaluation.calibrationBins equal-width confidence bins): pixels per bin; histograms add up across slices',
  })
  binCounts!: number[];
  @Field(() => [Float], { description: 'Σ confidence of the pixels per bin' }) binConfidenceSum!: number[];
  @Field(() => [Int], { description: 'Correctly labelled pixels per bin' }) binCorrect!: number[];
}

@ObjectType({ description: 'Where a stored segmentation came from' })
export class Provenance {
  @Field(() => ID) datasetId!: string;
  @Field(() => String) datasetHash!: string;
  @Field(() => ID) sliceId!: string;
  @Field(() => String) sliceHash!: string;
  @Field(() => [String], { description: 'SHA-256 of each model (ensemble: each member)' }) weightsSha256!: string[];
  @Field(() => [ID]) checkpointIds!: string[];
  @Field(() => ID) trainingRunId!: string;
  @Field(() => ID) evaluationRunId!: string;
  @Field(() => GraphQLJSON, { description: 'Training and evaluation configuration' }) config!: unknown;
  @Field(() => Int, { nullable: true }) seed!: number | null;
  @Field(() => String) codeVersion!: string;
  @Field(() => String) backend!: string;
  @Field(() => String, { description: 'Who started the evaluation' }) actor!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class Prediction {
  @Field(() => ID) id!: string;
  @Field(() => ID) evaluationId!: string;
  @Field(() => ID) sliceId!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class PredictionConnection extends Connection(Prediction, 'Prediction') {}

@ObjectType({ description: 'One kind × level of a distortion sweep, as distributions for box plots' })
export class SweepPoint {
  @Field(() => ID) evaluationId!: string;
  @Field(() => DistortionKind) kind!: DistortionKind;
  @Field(() => Int) level!: number;
  @Field(() => Structure, { nullable: true, description: 'null for image-level measures' })
  structure!: Structure | null;
  @Field(() => String, { description: 'dice, assd, hd, diceWithin, assdWithin, entropy, mi, nll, brier' })
  metric!: string;
  @Field(() => Distribution) distribution!: Distribution;
}
