import { Arg, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { SliceScope, SweepPoint, UncertaintyMeasure } from '../schema/evaluation.type';
import { ComparisonQc, ComparisonRow } from '../schema/comparison.type';
import type { ApiContext } from './context';
import { comparisonQc, compareEvaluations, type ComparedEvaluation } from '../services/comparison';
import {
  IMAGE_COLUMNS,
  imageDistributionsByEvaluation,
  STRUCTURE_COLUMNS,
  structureDistributionsByEvaluation,
} from '../store/evaluation-queries';
import { badInput, notFound } from './errors';
import { isUuid } from './paginate';
import { checkMaxPoints, MAX_POINTS_ARG } from './evaluation.resolver';

const MAX_COMPARED = 50;

@Resolver(() => ComparisonRow)
export class ComparisonResolver {
  @Query(() => [ComparisonRow], {
    description: `One table across methods: accuracy, calibration, uncertainty per evaluation (≤ ${MAX_COMPARED}), each figure with its 95 % subject-bootstrap interval`,
  })
  async compare(
    @Arg('evaluationIds', () => [ID]) evaluationIds: string[],
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('seed', () => Int, { defaultValue: 0, description: 'Seeds the subject resamples of the intervals' })
    seed: number,
    @Ctx() ctx: ApiContext,
  ): Promise<
    Array<
      Pick<ComparisonRow, 'method' | 'trainingRunId' | 'distortionKind' | 'distortionLevel' | 'site'> &
        ComparedEvaluation
    >
  > {
    if (evaluationIds.length > MAX_COMPARED) throw badInput(`at most ${MAX_COMPARED} evaluations`, 'evaluationIds');
    const wanted = evaluationIds.filter(isUuid);
    const found = await ctx.store.evaluation.findMany({
      where: { id: { in: wanted } },
      include: { dataset: { select: { site: true } } },
    });
    const byId = new Map(found.map((e) => [e.id, e]));
    const missing = evaluationIds.find((id) => !byId.has(id));
    if (missing !== undefined) throw notFound('evaluation', missing);
    const evaluations = evaluationIds.map((id) => byId.get(id)!);
    const trainings = await ctx.store.run.findMany({
      where: { id: { in: [...new Set(evaluations.map((e) => e.trainingRunId))] } },
      select: { id: true, method: true },
    });
    const methodOf = new Map(trainings.map((r) => [r.id, r.method]));
    return compareEvaluations(ctx.store, evaluations, scope, seed, (i) => {
      const e = evaluations[i];
      return {
        method: methodOf.get(e.trainingRunId) ?? null,
        trainingRunId: e.trainingRunId,
        distortionKind: e.distortionKind,
        distortionLevel: e.distortionLevel,
        site: e.dataset.site,
      };
    });
  }

  @FieldResolver(() => [ComparisonQc], {
    description:
      'Per structure in scope: the QC curve by `measure` (the same as Evaluation.qcCurve), its baselines, the review fractions at `target`, and intervals for AUC and review fraction (computed from the rows compare read)',
  })
  async qc(
    @Root() row: ComparedEvaluation,
    @Arg('measure', () => UncertaintyMeasure) measure: UncertaintyMeasure,
    @Arg('target', () => Float, { defaultValue: 0.05 }) target: number,
    @Arg('maxPoints', () => Int, MAX_POINTS_ARG) maxPoints: number,
  ) {
    if (!(target >= 0 && target <= 1)) throw badInput('target must be between 0 and 1', 'target');
    const points = checkMaxPoints(maxPoints);
    return comparisonQc(await row.qcSource, measure, target, points);
  }

  @Query(() => [SweepPoint], {
    description:
      'Per distortion kind and level of a sweep: distributions (quartiles) of accuracy and uncertainty, for box plots',
  })
  async distortionSweep(
    @Arg('runId', () => ID, { description: 'A SWEEP run' }) runId: string,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<SweepPoint[]> {
    const sweep = isUuid(runId) ? await ctx.store.run.findUnique({ where: { id: runId } }) : null;
    if (!sweep || sweep.kind !== 'SWEEP') throw notFound('sweep run', runId);
    const evaluations = await ctx.store.evaluation.findMany({
      where: { run: { parentRunId: runId } },
      orderBy: [{ distortionKind: 'asc' }, { distortionLevel: 'asc' }],
    });
    // Two statements for the whole sweep (every evaluation, structure and metric grouped).
    const ids = evaluations.map((e) => e.id);
    const [structureDistribution, imageDistribution] = await Promise.all([
      structureDistributionsByEvaluation(ctx.store, ids, scope),
      imageDistributionsByEvaluation(ctx.store, ids, scope),
    ]);
    const points: SweepPoint[] = [];
    for (const e of evaluations) {
      const base = { evaluationId: e.id, kind: e.distortionKind, level: e.distortionLevel };
      for (const metric of Object.keys(STRUCTURE_COLUMNS) as Array<keyof typeof STRUCTURE_COLUMNS>) {
        for (const { structure, ...distribution } of structureDistribution(e.id, metric)) {
          points.push({ ...base, structure, metric, distribution });
        }
      }
      for (const metric of Object.keys(IMAGE_COLUMNS) as Array<keyof typeof IMAGE_COLUMNS>) {
        points.push({ ...base, structure: null, metric, distribution: imageDistribution(e.id, metric) });
      }
    }
    return points;
  }
}
