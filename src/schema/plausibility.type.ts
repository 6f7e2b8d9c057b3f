import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Structure } from './enums';
import { QcCurve, UncertaintyMeasure } from './evaluation.type';
import { Interval95 } from './comparison.type';

@ObjectType({ description: 'One feature of the combined QC score, on the standardised scale' })
export class CombinedQcCoefficient {
  @Field(() => String, { description: 'u (the uncertainty score), extra, holes, lvOpen, rvLv, jump (docs/design.md)' })
  feature!: string;
  @Field(() => Float, { description: 'Log-odds per SD of the feature (0 when it was constant in the fit)' })
  coefficient!: number;
  @Field(() => Float, { description: 'Mean of the feature in the fitting set' }) mean!: number;
  @Field(() => Float, { description: 'SD of the feature in the fitting set' }) sd!: number;
}

@ObjectType({
  description:
    'QC by uncertainty and anatomical plausibility: a ridge-logistic score fitted on another evaluation of the same model, against the uncertainty alone, over the same rows (docs/design.md "Anatomical plausibility")',
})
export class PlausibilityQc {
  @Field(() => Structure) structure!: Structure;
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => ID, { description: 'The evaluation the score was fitted on (e.g. the validation split)' })
  fitEvaluationId!: string;
  @Field(() => Float, { description: 'Log-odds of poor at the fitting set’s mean features' }) intercept!: number;
  @Field(() => [CombinedQcCoefficient]) coefficients!: CombinedQcCoefficient[];
  @Field(() => Int, { description: 'Rows of the fit' }) fitRows!: number;
  @Field(() => Int, { description: 'Poor rows of the fit' }) fitPoor!: number;
  @Field(() => Float, { description: 'Ridge λ on the standardised coefficients' }) ridge!: number;
  @Field(() => QcCurve, { description: 'Flag in descending combined score' }) combined!: QcCurve;
  @Field(() => QcCurve, { description: 'Flag in descending uncertainty alone (the same as qcCurve)' })
  uncertainty!: QcCurve;
}

@ObjectType({
  description:
    'A QC figure by the uncertainty alone and by the combined score over the same rows, and combined − alone, each with its 95 % subject-bootstrap interval (the fitted score held fixed; a difference computed inside each resample)',
})
export class PairedQcFigure {
  @Field(() => Float) uncertainty!: number;
  @Field(() => Interval95, { nullable: true }) uncertaintyCi95!: Interval95 | null;
  @Field(() => Float) combined!: number;
  @Field(() => Interval95, { nullable: true }) combinedCi95!: Interval95 | null;
  @Field(() => Float, { description: 'combined − uncertainty (below 0: the combined score is better)' })
  difference!: number;
  @Field(() => Interval95, { nullable: true }) differenceCi95!: Interval95 | null;
}

@ObjectType()
export class PlausibilityQcStructure {
  @Field(() => Structure) structure!: Structure;
  @Field(() => Int, { description: 'Rows judged' }) n!: number;
  @Field(() => Int) poor!: number;
  @Field(() => PairedQcFigure, { description: 'QC AUC (smaller is better)' }) auc!: PairedQcFigure;
  @Field(() => PairedQcFigure, { description: 'Review fraction that leaves ≤ target poor' })
  reviewAt!: PairedQcFigure;
}

@ObjectType({ description: 'A structure without a fit' })
export class PlausibilityQcUnfit {
  @Field(() => Structure) structure!: Structure;
  @Field(() => String, { description: 'Why no model exists (e.g. the fit set has no poor or no good row)' })
  reason!: string;
}

@ObjectType({
  description:
    'The combined QC score of every structure (fitted once per structure on another evaluation of the same model) against the uncertainty alone, with subject-bootstrap intervals over the judged evaluation (docs/design.md "Anatomical plausibility", "Bootstrap intervals")',
})
export class PlausibilityQcSummary {
  @Field(() => ID) fitEvaluationId!: string;
  @Field(() => UncertaintyMeasure) measure!: UncertaintyMeasure;
  @Field(() => Float) target!: number;
  @Field(() => Int, { description: 'Subjects of the judged rows in scope: the units the intervals resample' })
  subjects!: number;
  @Field(() => [PlausibilityQcStructure], { description: 'Fitted structures with judged rows in scope' })
  structures!: PlausibilityQcStructure[];
  @Field(() => [PlausibilityQcUnfit]) unfit!: PlausibilityQcUnfit[];
  @Field(() => PairedQcFigure, { nullable: true, description: 'Mean QC AUC over `structures`' })
  auc!: PairedQcFigure | null;
  @Field(() => PairedQcFigure, { nullable: true, description: 'Mean review fraction over `structures`' })
  reviewAt!: PairedQcFigure | null;
}

@ObjectType()
export class StructurePlausibility {
  @Field(() => Structure) structure!: Structure;
  @Field(() => Int, { description: 'Slices whose mean segmentation has the structure' }) present!: number;
  @Field(() => Int, { description: 'Of those, slices where it falls apart into more than one component' })
  fragmented!: number;
  @Field(() => Int, {
    description: 'Slices whose hole count is not the anatomical one (1 for MYO around an LV cavity, else 0)',
  })
  wrongHoles!: number;
}

@ObjectType({ description: 'How often the mean segmentations in scope break the anatomy (docs/design.md)' })
export class PlausibilitySummary {
  @Field(() => Int, { description: 'Slices in scope with stored plausibility' }) slices!: number;
  @Field(() => Int, { description: 'Slices stored before plausibility was (not counted)' }) unavailable!: number;
  @Field(() => Int, { description: 'Slices with an LV' }) withLv!: number;
  @Field(() => Int, { description: 'Of those, slices whose myocardium does not close around the LV' })
  myoOpen!: number;
  @Field(() => Int, { description: 'Slices where RV touches LV directly (not through the septum)' })
  rvLvContact!: number;
  @Field(() => [StructurePlausibility]) structures!: StructurePlausibility[];
}
