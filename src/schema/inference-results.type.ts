import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Phase, Structure } from './enums';

@ObjectType({ description: 'One exported file of a subject-phase stack and its download path on this server' })
export class DownloadLink {
  @Field(() => String, { description: 'seg.nii.gz, entropy.nii.gz, mi.nii.gz, qc.json or qc.csv' })
  kind!: string;

  @Field(() => String, { description: '<subject>_<phase>_<kind>, as `cardiac-uq export` names it' })
  fileName!: string;

  @Field(() => String, { description: 'GET it with the same API key as /graphql' })
  path!: string;
}

@ObjectType({ description: "An inference's files for one subject and phase" })
export class StackDownloads {
  @Field(() => ID)
  subjectId!: string;

  @Field(() => String)
  externalId!: string;

  @Field(() => Phase)
  phase!: Phase;

  @Field(() => [DownloadLink])
  files!: DownloadLink[];
}

@ObjectType({ description: 'Poor fraction left among the unflagged labelled slices, for one structure' })
export class StructurePoorLeft {
  @Field(() => Structure)
  structure!: string;

  @Field(() => Int, { description: 'Labelled slices whose mean segmentation is poor in this structure' })
  poor!: number;

  @Field(() => Float, { nullable: true, description: 'Of them not flagged, over all labelled slices' })
  poorLeft!: number | null;
}

@ObjectType({
  description: 'What the policy promised, on the evaluation it was chosen on (95 % subject-bootstrap intervals)',
})
export class PromisedFigures {
  @Field(() => Float)
  reviewFraction!: number;

  @Field(() => Float)
  reviewFractionLow!: number;

  @Field(() => Float)
  reviewFractionHigh!: number;

  @Field(() => Float)
  poorLeft!: number;

  @Field(() => Float)
  poorLeftLow!: number;

  @Field(() => Float)
  poorLeftHigh!: number;

  @Field(() => Float)
  target!: number;

  @Field(() => String, { description: 'POOR_LEFT or REVIEW_BUDGET' })
  targetKind!: string;
}

@ObjectType({
  description:
    'A policy\'s promise checked on an inference\'s labelled slices (docs/design.md "Review" → "Checking the promise")',
})
export class PromiseCheck {
  @Field(() => ID)
  inferenceId!: string;

  @Field(() => ID)
  policyId!: string;

  @Field(() => Int, { description: "The inference's slices" })
  slices!: number;

  @Field(() => Int, { description: 'Of them with ground truth (imported, attached or reviewed): the cases counted' })
  labelled!: number;

  @Field(() => Int, { description: 'Labelled slices the policy flagged' })
  flagged!: number;

  @Field(() => Int, { description: "Labelled slices poor in any rule's structure" })
  poor!: number;

  @Field(() => [Structure], { description: "The rules' structures" })
  ruleStructures!: string[];

  @Field(() => Float, { nullable: true, description: 'Flagged / labelled; null before any slice has ground truth' })
  reviewFraction!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Poor and not flagged / labelled; null before any slice has ground truth',
  })
  poorLeft!: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "The realised review fraction lies in the promise's 95 % interval (bounds included); null with none labelled",
  })
  reviewFractionWithinInterval!: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "The realised poor left lies in the promise's 95 % interval (bounds included); null with none labelled",
  })
  poorLeftWithinInterval!: boolean | null;

  @Field(() => [StructurePoorLeft])
  structures!: StructurePoorLeft[];

  @Field(() => PromisedFigures)
  promised!: PromisedFigures;
}
