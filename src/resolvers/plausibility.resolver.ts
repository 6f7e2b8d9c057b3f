/**
 * Evaluation fields of anatomical plausibility: read-only, the use case is
 * src/services/plausibility-qc.ts (docs/design.md "Anatomical plausibility").
 */
import { Arg, Ctx, FieldResolver, Float, ID, Int, Resolver, Root } from 'type-graphql';
import { Structure } from '../schema/enums';
import { Evaluation, SliceScope, UncertaintyMeasure } from '../schema/evaluation.type';
import { PlausibilityQc, PlausibilityQcSummary, PlausibilitySummary } from '../schema/plausibility.type';
import { plausibilityQcOf, plausibilityQcSummaryOf, plausibilitySummaryOf } from '../services/plausibility-qc';
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

  @FieldResolver(() => PlausibilityQcSummary, {
    description:
      'Every structure at once: the combined score fitted once per structure on `fitEvaluationId` and held fixed, QC AUC and review fraction at `target` by it and by the uncertainty alone, their means over the fitted structures and the paired differences, each with a 95 % interval resampling this evaluation’s subjects',
  })
  async plausibilityQcSummary(
    @Root() e: Evaluation,
    @Arg('fitEvaluationId', () => ID, {
      description: 'A labelled evaluation of the same trained model to fit the score on (the validation split)',
    })
    fitEvaluationId: string,
    @Arg('measure', () => UncertaintyMeasure) measure: UncertaintyMeasure,
    @Arg('structures', () => [Structure], { nullable: true, description: 'Default: LV, MYO and RV' })
    structures: Structure[] | undefined,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('ridge', () => Float, { nullable: true, description: 'Ridge λ > 0 (default 1)' }) ridge: number | undefined,
    @Arg('target', () => Float, { defaultValue: 0.05, description: 'Poor fraction the review fractions leave at most' })
    target: number,
    @Arg('seed', () => Int, { defaultValue: 0, description: 'Seeds the subject resamples of the intervals' })
    seed: number,
    @Ctx() ctx: ApiContext,
  ) {
    return plausibilityQcSummaryOf(ctx.store, {
      evaluationId: e.id,
      fitEvaluationId,
      measure,
      structures: structures ?? undefined,
      scope,
      ridge: ridge ?? undefined,
      target,
      seed,
    });
  }
}
