/** Clinical biomarkers with posterior intervals per subject, and their agreement with the ground truth (docs/design.md "Biomarkers from the store"). */
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BIOMARKERS } from '../engine/clinical/biomarkers';
import { Phase, Split, Structure } from './enums';

/** The engine's biomarker keys as GraphQL names: `LV.edv_ml` → `LV_EDV_ML`. */
export const biomarkerName = (key: string) => key.replace('.', '_').toUpperCase();

export const BiomarkerName = Object.fromEntries(BIOMARKERS.map((k) => [biomarkerName(k), biomarkerName(k)])) as Record<
  string,
  string
>;
registerEnumType(BiomarkerName, {
  name: 'BiomarkerName',
  description: 'LV and RV EDV, ESV, SV (ml) and EF (a fraction); MYO mass at ED and ES (g)',
});

export enum BiomarkerStatus {
  OK = 'OK',
  PHASE_MISSING = 'PHASE_MISSING',
  INCOMPLETE_STACK = 'INCOMPLETE_STACK',
  COUNTS_NOT_STORED = 'COUNTS_NOT_STORED',
  MIXED_SPACING = 'MIXED_SPACING',
  SLICE_SPACING_UNKNOWN = 'SLICE_SPACING_UNKNOWN',
  BAD_SPACING = 'BAD_SPACING',
}
registerEnumType(BiomarkerStatus, {
  name: 'BiomarkerStatus',
  description:
    'Why a subject has no biomarkers: a phase without slices, a stack with slices missing, counts not stored (rows written before they were kept), slices of one stack with different pixel spacing, an unknown or a zero distance between slice centres',
});

export enum TruthStatus {
  OK = 'OK',
  UNLABELLED = 'UNLABELLED',
  PARTIAL = 'PARTIAL',
}
registerEnumType(TruthStatus, {
  name: 'TruthStatus',
  description:
    'Ground-truth values need a label on every slice of both phases: OK, none (UNLABELLED) or some (PARTIAL)',
});

export enum SliceSpacingSource {
  GEOMETRY = 'GEOMETRY',
  SUBJECT = 'SUBJECT',
}
registerEnumType(SliceSpacingSource, {
  name: 'SliceSpacingSource',
  description:
    "GEOMETRY: the image file's pixdim[3]; SUBJECT: the subject's stored slice spacing (the phantom generator's)",
});

export enum EfFlagKind {
  CROSSES = 'CROSSES',
  WIDE = 'WIDE',
  EF_UNDEFINED = 'EF_UNDEFINED',
}
registerEnumType(EfFlagKind, { name: 'EfFlagKind' });

@ObjectType({ description: 'A biomarker over the T posterior samples' })
export class PosteriorInterval {
  @Field(() => Int, { description: 'Samples T' }) n!: number;
  @Field(() => Float) mean!: number;
  @Field(() => Float, { nullable: true, description: 'Sample SD (T − 1); null for T = 1' }) sd!: number | null;
  @Field(() => Float, { description: '2.5 % quantile (type 7)' }) q025!: number;
  @Field(() => Float, { description: '97.5 % quantile (type 7)' }) q975!: number;
}

@ObjectType()
export class BiomarkerValue {
  @Field(() => BiomarkerName) biomarker!: string;
  @Field(() => Float, { nullable: true, description: 'From the mean segmentation; EF null when EDV = 0' })
  value!: number | null;
  @Field(() => PosteriorInterval, { nullable: true, description: 'null when undefined in any sample' })
  posterior!: PosteriorInterval | null;
  @Field(() => Float, { nullable: true, description: 'From the ground truth; null without it' }) truth!: number | null;
  @Field(() => Boolean, { nullable: true, description: 'The ground truth lies in the 95 % interval (bounds included)' })
  covered!: boolean | null;
}

@ObjectType()
export class EfFlagReason {
  @Field(() => EfFlagKind) kind!: EfFlagKind;
  @Field(() => Float, { nullable: true, description: 'CROSSES: the threshold crossed' }) threshold!: number | null;
  @Field(() => Float, { nullable: true, description: 'WIDE: the interval width' }) width!: number | null;
}

@ObjectType({ description: 'Subject-level QC from the EF interval of one ventricle' })
export class SubjectEfFlag {
  @Field(() => Structure) structure!: Structure;
  @Field(() => Boolean) flagged!: boolean;
  @Field(() => [EfFlagReason]) reasons!: EfFlagReason[];
}

@ObjectType()
export class PhaseSpacing {
  @Field(() => Phase) phase!: Phase;
  @Field(() => Float) xMm!: number;
  @Field(() => Float) yMm!: number;
  @Field(() => Float, { nullable: true, description: 'Distance between slice centres; null when unknown' })
  zMm!: number | null;
  @Field(() => SliceSpacingSource, { nullable: true }) zSource!: SliceSpacingSource | null;
}

@ObjectType({ description: "One subject's biomarkers, posterior intervals, ground truth and EF flags" })
export class SubjectBiomarkers {
  @Field(() => ID) subjectId!: string;
  @Field(() => String) externalId!: string;
  @Field(() => String, { nullable: true }) group!: string | null;
  @Field(() => Split) split!: Split;
  @Field(() => BiomarkerStatus) status!: BiomarkerStatus;
  @Field(() => String, { nullable: true, description: 'Why, when status is not OK' }) reason!: string | null;
  @Field(() => Int, { nullable: true, description: 'Posterior samples T' }) samples!: number | null;
  @Field(() => [PhaseSpacing]) spacing!: PhaseSpacing[];
  @Field(() => TruthStatus) truthStatus!: TruthStatus;
  @Field(() => [BiomarkerValue], { description: 'Every biomarker; empty unless status is OK' })
  values!: BiomarkerValue[];
  @Field(() => [SubjectEfFlag], { description: 'LV and RV; empty unless status is OK' }) flags!: SubjectEfFlag[];
}

@ObjectType({ description: "One biomarker's agreement with the ground truth over subjects (ACDC's figures)" })
export class BiomarkerAgreementRow {
  @Field(() => BiomarkerName) biomarker!: string;
  @Field(() => Int, { description: 'Subjects with both values' }) n!: number;
  @Field(() => Int, { description: 'Subjects left out: a value undefined (EF with EDV = 0)' }) undefinedCount!: number;
  @Field(() => Float, { nullable: true, description: 'Mean of predicted − truth' }) bias!: number | null;
  @Field(() => Float, { nullable: true, description: 'Sample SD of the differences' }) sdDiff!: number | null;
  @Field(() => Float, { nullable: true, description: 'bias − 1.96 SD' }) lower!: number | null;
  @Field(() => Float, { nullable: true, description: 'bias + 1.96 SD' }) upper!: number | null;
  @Field(() => Float, { nullable: true }) pearsonR!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean absolute error' }) mae!: number | null;
  @Field(() => Float, { nullable: true, description: 'Fraction of subjects whose truth is in the 95 % interval' })
  coverage!: number | null;
  @Field(() => Int) covered!: number;
  @Field(() => Int, { description: 'Subjects with an interval and a truth' }) coverageN!: number;
}

@ObjectType()
export class BiomarkerAgreement {
  @Field(() => Int, { description: 'Subjects with biomarkers and ground truth' }) subjects!: number;
  @Field(() => Int, { description: 'Subjects in scope without them (status not OK, or no ground truth)' })
  leftOut!: number;
  @Field(() => [BiomarkerAgreementRow]) biomarkers!: BiomarkerAgreementRow[];
}
