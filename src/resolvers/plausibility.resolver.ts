/**
 * Evaluation fields of anatomical plausibility: read-only, the use case is
 * src/services/plausibility-qc.ts (docs/design.md "Anatomical plausibility").
 */
import { Arg, Ctx, FieldResolver, Float, ID, Int, Resolver, Root } from 'type-graphql';
import { Structure } from '../schema/enums';
import { Evaluation, SliceScope, UncertaintyMeasure } from '../schema/evaluation.type';
import { PlausibilityQc, PlausibilitySummary } from '../schema/plausibility.type';
import { plausibilityQcOf, plausibilitySummaryOf } from '../services/plausibility-qc';
import type { ApiContext } from './context';
import { checkMaxPoints, MAX_POINTS_ARG } from './evaluation.resolver';

@Resolver(() => Evaluation)
export class EvaluationPlausibilityResolver {
  @FieldResolver(() => PlausibilitySummary)
  async plausibility(
    @Root() e: Evaluation,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    return plausibilitySummaryOf(ctx.store, e.id, scope);
  }

  @FieldResolver(() => PlausibilityQc, {
    nullable: true,
    description: 'null when no row of the structure is in scope',
  })
  async plausibilityQc(
    @Root() e: Evaluation,
    @Arg('fitEvaluationId', () => ID, {
      description: 'A labelled evaluation of the same trained model to fit the score on (the validation split)',
    })
    fitEvaluationId: string,
    @Arg('structure', () => Structure) structure: Structure,
    @Arg('measure', () => UncertaintyMeasure) measure: UncertaintyMeasure,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('ridge', () => Float, { nullable: true, description: 'Ridge λ > 0 (default 1)' }) ridge: number | undefined,
    @Arg('maxPoints', () => Int, MAX_POINTS_ARG) maxPoints: number,
    @Ctx() ctx: ApiContext,
  ) {
    const result = await plausibilityQcOf(ctx.store, {
      evaluationId: e.id,
      fitEvaluationId,
      structure,
      measure,
      scope,
      ridge,
      maxPoints: checkMaxPoints(maxPoints),
    });
    return (
      result && {
        ...result,
        fitRows: result.model.n,
        fitPoor: result.model.poor,
        ridge: result.model.ridge,
      }
    );
  }
}
