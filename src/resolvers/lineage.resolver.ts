/** `lineage(predictionId)`: a thin read over src/store/lineage.ts (the checks are described there). */
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Lineage } from '../schema/lineage.type';
import { readLineage } from '../store/lineage';
import type { ApiContext } from './context';
import { isUuid } from './paginate';

@Resolver()
export class LineageResolver {
  @Query(() => Lineage, {
    nullable: true,
    description:
      "An auditor's lineage of a stored segmentation, each link verified against the audit events that record it; null when unknown",
  })
  async lineage(@Arg('predictionId', () => ID) predictionId: string, @Ctx() ctx: ApiContext) {
    return isUuid(predictionId) ? readLineage(ctx.store, predictionId) : null;
  }
}
