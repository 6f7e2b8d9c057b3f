import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Structure } from './enums';
import { UncertaintyMeasure } from './evaluation.type';
import { Interval95 } from './comparison.type';

@ObjectType({
  description:
    'Calibration beyond the equal-width ECE over the slices in scope (docs/design.md "More calibration measures")',
})
export class CalibrationMeasures {
  @Field(() => Int, { description: 'Slices in scope' }) slices!: number;
  @Field(() => Int, { description: 'Equal-width bins (the stored reliability histogram)' }) bins!: number;
  @Field(() => Float, { nullable: true, description: 'Equal-width top-label ECE (as Calibration.ece)' })
  ece!: number | null;
  @Field(() => Float, { nullable: true, description: 'Maximum calibration error over the non-empty equal-width bins' })
  mce!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Class-wise ECE: mean over the class channels of ECE_c (p̄_c against [y = c]); null: see unavailable',
  })
  classwiseEce!: number | null;
  @Field(() => [Float], {
    nullable: true,
    description: 'ECE_c per class channel: background, then the label values (ACDC: RV, MYO, LV)',
  })
  classEce!: number[] | null;
  @Field(() => Int, { description: 'Equal-mass bins of the adaptive ECE' }) adaptiveBins!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'Adaptive (equal-mass) top-label ECE from the merged fine histograms; null: see unavailable',
  })
  adaptiveEce!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Bound on |adaptiveEce − the exact equal-mass ECE of these pixels| (0: exact)',
  })
  adaptiveEceErrorBound!: number | null;
  @Field(() => String, {
    nullable: true,
    description: 'Why classwiseEce and adaptiveEce are null (slices stored before their histograms); null when given',
  })
  unavailable!: string | null;
}

@ObjectType()
export class RiskCoveragePoint {
  @Field(() => Float, { description: 'Fraction of cases accepted (least uncertain first)' }) coverage!: number;
  @Field(() => Float, { description: 'Selective risk: mean risk of the accepted cases' }) risk!: number;
}

@ObjectType({
  description:
    'Risk–coverage of one risk: areas over every row with their 95 % subject-bootstrap intervals, the curve thinned for drawing',
})
export class RiskCoverage {
  @Field(() => Float, { nullable: true, description: 'Area under the risk–coverage curve; null for fewer than 2 rows' })
  aurc!: number | null;
  @Field(() => Float, { nullable: true, description: 'AURC minus the AURC of the optimal order' })
  eAurc!: number | null;
  @Field(() => Float, { nullable: true, description: 'Area under the generalized risk–coverage curve' })
  augrc!: number | null;
  @Field(() => [RiskCoveragePoint], {
    description: 'At most maxPoints, thinned keeping the endpoints (as QcCurve.points)',
  })
  points!: RiskCoveragePoint[];
  @Field(() => Interval95, { nullable: true }) aurcCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) eAurcCi95!: Interval95 | null;
  @Field(() => Interval95, { nullable: true }) augrcCi95!: Interval95 | null;
}

@ObjectType({
  description:
    'Failure detection of one structure by one uncertainty measure over every structure row in scope (docs/design.md "Failure detection")',
})
export class FailureDetection {
  @Field(() => Structure) structure!: Structure;
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => Int) n!: number;
  @Field(() => Int) poor!: number;
  @Field(() => Int, { description: 'Subjects of the rows: the units the intervals resample' }) subjects!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'AUROC of the score for detecting poor segmentations; null without poor or without good rows',
  })
  auroc!: number | null;
  @Field(() => Interval95, {
    nullable: true,
    description: 'null when no resample holds both a poor and a good row',
  })
  aurocCi95!: Interval95 | null;
  @Field(() => RiskCoverage, { description: 'Risk = 1 − Dice' }) diceRisk!: RiskCoverage;
  @Field(() => RiskCoverage, { description: 'Risk = poor (0/1)' }) poorRisk!: RiskCoverage;
}
