import { Field, Int, ObjectType } from 'type-graphql';
import { RunStatus, Structure } from './enums';
import { UncertaintyMeasure } from './evaluation.type';

@ObjectType({
  description: "The platform's fixed vocabulary (src/domain/constants.ts), for front ends: no copies of their own",
})
export class PlatformConstants {
  @Field(() => [Structure], { description: 'Segmented structures, in table order' })
  structures!: readonly Structure[];

  @Field(() => [RunStatus], { description: 'Every run status' })
  runStatuses!: readonly RunStatus[];

  @Field(() => [RunStatus], { description: 'Statuses of a run still to be done (poll while any run has one)' })
  activeRunStatuses!: readonly RunStatus[];

  @Field(() => [RunStatus], { description: 'Statuses of a run that will not change any more' })
  finishedRunStatuses!: readonly RunStatus[];

  @Field(() => [UncertaintyMeasure], { description: 'Measures a QC curve ranks slices by' })
  uncertaintyMeasures!: readonly UncertaintyMeasure[];

  @Field(() => Int, { description: 'Deep Ensemble members when a training does not say' })
  defaultEnsembleMembers!: number;
}
