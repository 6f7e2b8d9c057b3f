import { Query, Resolver } from 'type-graphql';
import {
  ACTIVE_RUN_STATUSES,
  DEFAULT_ENSEMBLE_MEMBERS,
  FINISHED_RUN_STATUSES,
  RUN_STATUSES,
  STRUCTURES,
  UNCERTAINTY_MEASURES,
} from '../domain/constants';
import { PlatformConstants } from '../schema/constants.type';
import { UncertaintyMeasure } from '../schema/evaluation.type';

@Resolver()
export class ConstantsResolver {
  @Query(() => PlatformConstants, { description: 'Structures, run states and defaults, as the platform defines them' })
  constants(): PlatformConstants {
    return {
      structures: STRUCTURES,
      runStatuses: RUN_STATUSES,
      activeRunStatuses: ACTIVE_RUN_STATUSES,
      finishedRunStatuses: FINISHED_RUN_STATUSES,
      uncertaintyMeasures: UNCERTAINTY_MEASURES.map((m) => UncertaintyMeasure[m]),
      defaultEnsembleMembers: DEFAULT_ENSEMBLE_MEMBERS,
    };
  }
}
