/**
 * Evaluation fields of the further calibration measures and of failure detection: read-only, the
 * use cases are src/services/calibration-measures.ts and src/services/failure-detection.ts.
 */
import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Structure } from '../schema/enums';
import { Evaluation, SliceScope, UncertaintyMeasure } from '../schema/evaluation.type';
import { CalibrationMeasures, FailureDetection } from '../schema/failure-detection.type';
import { calibrationMeasuresOf, DEFAULT_ADAPTIVE_BINS } from '../services/calibration-measures';
import { failureDetectionOf, failureDetectionsOf } from '../services/failure-detection';
import type { ApiContext } from './context';
import { checkMaxPoints, MAX_POINTS_ARG } from './evaluation.resolver';

type EvaluationRow = Evaluation & { calibrationBins: number };

const SEED_ARG = {
  defaultValue: 0,
  description: 'Seeds the subject resamples of the intervals (as compare: the subjects of the rows ordered by id)',
};

@Resolver(() => Evaluation)
export class EvaluationFailureDetectionResolver {
  @FieldResolver(() => CalibrationMeasures)
  async calibrationMeasures(
    @Root() e: EvaluationRow,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('adaptiveBins', () => Int, { defaultValue: DEFAULT_ADAPTIVE_BINS, description: 'Equal-mass bins (1..1000)' })
    adaptiveBins: number,
    @Ctx() ctx: ApiContext,
  ) {
    return calibrationMeasuresOf(ctx.store, e.id, e.calibrationBins, scope, adaptiveBins);
  }

  @FieldResolver(() => FailureDetection, {
    nullable: true,
    description: 'null when no row of the structure is in scope',
  })
  async failureDetection(
    @Root() e: EvaluationRow,
    @Arg('structure', () => Structure) structure: Structure,
    @Arg('measure', () => UncertaintyMeasure) measure: UncertaintyMeasure,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('maxPoints', () => Int, MAX_POINTS_ARG) maxPoints: number,
    @Arg('seed', () => Int, SEED_ARG) seed: number,
    @Ctx() ctx: ApiContext,
  ) {
    return failureDetectionOf(ctx.store, e.id, structure, measure, scope, checkMaxPoints(maxPoints), seed);
  }

  @FieldResolver(() => [FailureDetection], {
    description: 'Every structure × measure pair with rows in scope (structures, then measures, in enum order)',
  })
  async failureDetections(
    @Root() e: EvaluationRow,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('maxPoints', () => Int, { ...MAX_POINTS_ARG, defaultValue: 200 }) maxPoints: number,
    @Arg('seed', () => Int, SEED_ARG) seed: number,
    @Ctx() ctx: ApiContext,
  ) {
    return failureDetectionsOf(ctx.store, e.id, scope, checkMaxPoints(maxPoints), seed);
  }
}
