import { ArrayMaxSize, ArrayMinSize, IsIn, Length, Matches } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { Split } from './enums';

@InputType({
  description:
    'Make a dataset of files staged with POST /uploads (docs/design.md "Uploads"): plain NIfTI images X.nii.gz ' +
    'with optional labels X_gt.nii.gz, imported as a NIFTI_PAIRS folder would be',
})
export class ImportUploadInput {
  @Field(() => String)
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name may contain letters, digits, "-", "_" and "." only' })
  name!: string;

  @Field(() => [ID], { description: 'The ids POST /uploads answered, one per file' })
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  uploadIds!: string[];

  @Field(() => String, { nullable: true, description: 'Site recorded on the dataset (A or B; default B)' })
  @IsIn(['A', 'B'], { message: 'site must be A or B' })
  site?: 'A' | 'B';

  @Field(() => Split, { nullable: true, description: 'Split of every subject (default TEST)' })
  split?: Split;
}
