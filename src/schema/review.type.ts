import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LabelSource, ReviewDecision } from '../db/generated/enums';
import { Phase } from './enums';

registerEnumType(ReviewDecision, {
  name: 'ReviewDecision',
  description: "ACCEPT: the inference's segmentation is right; CORRECT: the reviewer supplied the label",
});
registerEnumType(LabelSource, {
  name: 'LabelSource',
  description: 'Where a ground truth given after import came from: label files attached later, or a review',
});

@ObjectType({ description: 'A ground-truth label a review supplied (docs/design.md "Review")' })
export class ReviewLabel {
  @Field(() => ID)
  sliceId!: string;

  @Field(() => LabelSource)
  source!: LabelSource;

  @Field(() => String, { description: 'SHA-256 of the slice as labelled (image, label, dims, spacing)' })
  contentHash!: string;
}

@ObjectType({ description: "A reviewer's decision on an inference's slice or subject; append-only" })
export class Review {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  inferenceId!: string;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'null: the decision covers every slice of the subject' })
  sliceId!: string | null;

  @Field(() => ReviewDecision)
  decision!: ReviewDecision;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field(() => String, { description: 'Who decided (the API key name)' })
  reviewer!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The platform version that recorded it (null for decisions recorded before it was kept)',
  })
  codeVersion!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType({ description: "One inference slice's place in the review loop" })
export class SliceReviewStatus {
  @Field(() => ID)
  sliceId!: string;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => Phase)
  phase!: Phase;

  @Field(() => Int)
  sliceIndex!: number;

  @Field(() => Boolean, { nullable: true, description: "The policy's flag; null without a policy" })
  flagged!: boolean | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Where its ground truth came from: IMPORTED, ATTACHED, REVIEW_ACCEPTED, REVIEW_CORRECTED; null: none yet',
  })
  groundTruth!: string | null;

  @Field(() => ID, { nullable: true, description: 'The review that gave the ground truth' })
  reviewId!: string | null;

  @Field(() => String, { nullable: true, description: 'Who gave the ground truth after import' })
  labelledBy!: string | null;
}

@ObjectType({ description: "A slice's ground truth: where it came from" })
export class SliceGroundTruth {
  @Field(() => String, {
    nullable: true,
    description: 'IMPORTED, ATTACHED, REVIEW_ACCEPTED, REVIEW_CORRECTED; null: none yet',
  })
  origin!: string | null;

  @Field(() => ID, { nullable: true, description: 'The review that gave it' })
  reviewId!: string | null;

  @Field(() => String, { nullable: true, description: 'Who gave it after import' })
  labelledBy!: string | null;
}
