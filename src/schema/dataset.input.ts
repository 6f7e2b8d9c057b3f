import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { Split } from './enums';
import { IsIn, Length, Matches, Max, Min } from 'class-validator';

@InputType({ description: 'A synthetic phantom dataset (docs/design.md "Phantom")' })
export class PhantomDatasetInput {
  @Field(() => String, { description: 'Unique dataset name: letters, digits, - _ . (1..64)' })
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name may contain letters, digits, "-", "_" and "." only' })
  name!: string;

  @Field(() => String, { description: 'A (UK Biobank-like, healthy) or B (ACDC-like, five groups)' })
  @IsIn(['A', 'B'], { message: 'site must be A or B' })
  site!: 'A' | 'B';

  @Field(() => Int, { description: 'Number of subjects, 1..500' })
  @Min(1)
  @Max(500)
  subjects!: number;

  @Field(() => Int, { defaultValue: 1 })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed!: number;
}

export enum ImportLayout {
  ACDC = 'ACDC',
  MNMS = 'MNMS',
  NIFTI_PAIRS = 'NIFTI_PAIRS',
}
registerEnumType(ImportLayout, {
  name: 'ImportLayout',
  description:
    'Labels are optional in every layout (docs/design.md "Importing data"). ACDC: patientXXX/Info.cfg with ' +
    '_frameNN files (else frames of _4d.nii.gz) and optional _frameNN_gt; MNMS: <code>/<code>_sa.nii.gz, ' +
    'optional <code>_sa_gt.nii.gz and one CSV of vendor, centre, ED, ES; NIFTI_PAIRS: X.nii.gz with optional X_gt.nii.gz',
});

@InputType({ description: 'Import a folder on the server, under its import root (CARDIAC_UQ_IMPORT_ROOT)' })
export class ImportDatasetInput {
  @Field(() => String)
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name may contain letters, digits, "-", "_" and "." only' })
  name!: string;

  @Field(() => String, { description: 'Folder relative to the import root' })
  @Length(1, 1024)
  path!: string;

  @Field(() => ImportLayout)
  layout!: ImportLayout;

  @Field(() => String, {
    nullable: true,
    description: 'Site recorded on the dataset (A or B; default from Info.cfg, else B)',
  })
  @IsIn(['A', 'B'], { message: 'site must be A or B' })
  site?: 'A' | 'B';

  @Field(() => Split, { nullable: true, description: 'Split of every subject (default from Info.cfg, else TEST)' })
  split?: Split;
}

@InputType({
  description: 'Ground truth for a dataset imported without it: label files in a folder under the import root',
})
export class AttachLabelsInput {
  @Field(() => ID)
  datasetId!: string;

  @Field(() => String, { description: 'Folder relative to the import root' })
  @Length(1, 1024)
  path!: string;

  @Field(() => ImportLayout, {
    nullable: true,
    description: 'Layout of the label files (default: the layout the dataset was imported with)',
  })
  layout?: ImportLayout;
}
