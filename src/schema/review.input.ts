import { ArrayMaxSize, IsOptional, Length, MaxLength, ValidateNested } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { Phase } from './enums';

/** Base64 payloads stay under the API's 1 MB body limit anyway; the bound names the field. */
const MAX_BASE64 = 1_000_000;

@InputType({ description: 'Accept the segmentation of one slice (sliceId) or of a whole subject (subjectId)' })
export class AcceptReviewInput {
  @Field(() => ID)
  inferenceId!: string;

  @Field(() => ID, { nullable: true })
  sliceId?: string;

  @Field(() => ID, {
    nullable: true,
    description: 'Every slice of the subject (both phases) still without ground truth',
  })
  subjectId?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(0, 2000)
  comment?: string;
}

@InputType({ description: "One phase's corrected label volume" })
export class LabelVolumeInput {
  @Field(() => Phase)
  phase!: Phase;

  @Field(() => String, {
    description:
      "base64 NIfTI (.nii or .nii.gz) of rows × cols × slices in the dataset's label values (RV 1, MYO 2, LV 3)",
  })
  @MaxLength(MAX_BASE64)
  nifti!: string;
}

@InputType({
  description:
    'A corrected label: for one slice (sliceId + labelMap) or a whole subject (subjectId + one volume per phase)',
})
export class CorrectLabelInput {
  @Field(() => ID)
  inferenceId!: string;

  @Field(() => ID, { nullable: true })
  sliceId?: string;

  @Field(() => String, {
    nullable: true,
    description: 'base64 uint8 class indices (0 background, 1 RV, 2 MYO, 3 LV), rows × cols row-major (rows = NIfTI x)',
  })
  @IsOptional()
  @MaxLength(MAX_BASE64)
  labelMap?: string;

  @Field(() => ID, { nullable: true })
  subjectId?: string;

  @Field(() => [LabelVolumeInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(2)
  @ValidateNested({ each: true })
  volumes?: LabelVolumeInput[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(0, 2000)
  comment?: string;
}
