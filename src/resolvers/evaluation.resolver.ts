import { Arg, Args, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { Method, Structure } from '../schema/enums';
import { PageArgs } from '../schema/connection';
import { Dataset } from '../schema/dataset.type';
import {
  Calibration,
  Checkpoint,
  Correlation,
  Evaluation,
  PredictionConnection,
  QcBaselines,
  QcCurve,
  SliceScope,
  StructureSummary,
  UncertaintyMeasure,
} from '../schema/evaluation.type';
import { Run } from '../schema/run.type';
import type { ApiContext } from './context';
import { loaders } from './loaders';
import {
  baselinesOf,
  calibrationOf,
  correlationsOf,
  DEFAULT_CURVE_POINTS,
  qcCurveOf,
  type QcCurveResult,
} from '../services/evaluation-analytics';
import { predictionIdsInOrder, structureSummaries } from '../store/evaluation-queries';
import { encodeCursor, decodeCursor, isUuid } from './paginate';
import { badInput } from './errors';
import { PageInfo } from '../schema/connection';
import { evaluatedVariantLabel, variantLabel, type LabelledEvaluation, type LabelledTraining } from '../domain/methods';
import { evaluationLabel } from '../domain/evaluation-label';

type EvaluationRow = Evaluation & { calibrationBins: number };

const MAX_CURVE_POINTS = 100000;
export const MAX_POINTS_ARG = {
  defaultValue: DEFAULT_CURVE_POINTS,
  description: `Most points returned for drawing (2..${MAX_CURVE_POINTS}); auc and reviewAt always use every row`,
};

export function checkMaxPoints(maxPoints: number): number {
  if (!(maxPoints >= 2 && maxPoints <= MAX_CURVE_POINTS))
    throw badInput(`maxPoints must be between 2 and ${MAX_CURVE_POINTS}`, 'maxPoints');
  return maxPoints;
}

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @Query(() => Evaluation, { nullable: true, description: 'An evaluation by id; null when unknown' })
  async evaluation(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.evaluation.findUnique({ where: { id } }) : null;
  }

  @Query(() => [Evaluation], { description: 'Evaluations of a training run, or all (newest first, at most 500)' })
  async evaluations(
    @Arg('trainingRunId', () => ID, { nullable: true }) trainingRunId: string | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    if (trainingRunId !== undefined && !isUuid(trainingRunId)) return [];
    return ctx.store.evaluation.findMany({ where: { trainingRunId }, orderBy: { createdAt: 'desc' }, take: 500 });
  }

  @FieldResolver(() => Run)
  async run(@Root() e: EvaluationRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).run.load(e.runId);
  }

  @FieldResolver(() => Run)
  async trainingRun(@Root() e: EvaluationRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).run.load(e.trainingRunId);
  }

  @FieldResolver(() => Method, { nullable: true })
  async method(@Root() e: EvaluationRow, @Ctx() ctx: ApiContext) {
    return (await loaders(ctx).run.load(e.trainingRunId))?.method ?? null;
  }

  @FieldResolver(() => String, {
    description:
      'The variant measured: PLAIN, MCD-<rate>, BBB, DE-<M>, then +TTA (test-time augmentation) and +TS (temperature scaling) when applied',
  })
  async variant(@Root() e: EvaluationRow, @Ctx() ctx: ApiContext) {
    const l = loaders(ctx);
    const [training, run] = await Promise.all([l.run.load(e.trainingRunId), l.run.load(e.runId)]);
    return evaluatedVariantLabel(training?.config as LabelledTraining, run?.config as LabelledEvaluation);
  }

  @FieldResolver(() => String, {
    description:
      'The name every view shows: variant (and training seed when the variant was trained more than once on that dataset), dataset and site, split, distortion and level, T; segments joined by " · ", the variant first',
  })
  async label(@Root() e: EvaluationRow, @Ctx() ctx: ApiContext) {
    const l = loaders(ctx);
    const [training, run, dataset] = await Promise.all([
      l.run.load(e.trainingRunId),
      l.run.load(e.runId),
      l.dataset.load(e.datasetId),
    ]);
    const variant = variantLabel(training?.config as LabelledTraining);
    const siblings = training?.datasetId ? await l.trainingsOnDataset.load(training.datasetId) : [];
    const repeated = siblings.filter((r) => variantLabel(r.config as LabelledTraining) === variant).length > 1;
    return evaluationLabel({
      variant: evaluatedVariantLabel(training?.config as LabelledTraining, run?.config as LabelledEvaluation),
      seed: training?.seed ?? null,
      repeated,
      datasetName: dataset?.name ?? '?',
      site: dataset?.site ?? null,
      split: e.split,
      distortionKind: e.distortionKind,
      distortionLevel: e.distortionLevel,
      samples: e.samples,
    });
  }

  @FieldResolver(() => Dataset)
  async dataset(@Root() e: EvaluationRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).dataset.load(e.datasetId);
  }

  @FieldResolver(() => [Checkpoint])
  async checkpoints(@Root() e: EvaluationRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).checkpoints.load(e.id);
  }

  @FieldResolver(() => [StructureSummary])
  async summary(
    @Root() e: EvaluationRow,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    return structureSummaries(ctx.store, e.id, scope);
  }

  @FieldResolver(() => Calibration)
  async calibration(
    @Root() e: EvaluationRow,
    @Arg('bins', () => Int, { nullable: true, description: 'Equal-width bins; must divide the stored bin count (15)' })
    bins: number | undefined,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    return calibrationOf(ctx.store, e.id, e.calibrationBins, bins ?? e.calibrationBins, scope);
  }

  @FieldResolver(() => QcCurve, { nullable: true, description: 'null when no slice is in scope' })
  async qcCurve(
    @Root() e: EvaluationRow,
    @Arg('structure', () => Structure) structure: Structure,
    @Arg('measure', () => UncertaintyMeasure) measure: UncertaintyMeasure,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('maxPoints', () => Int, MAX_POINTS_ARG) maxPoints: number,
    @Ctx() ctx: ApiContext,
  ) {
    return qcCurveOf(ctx.store, e.id, structure, measure, scope, checkMaxPoints(maxPoints));
  }

  @FieldResolver(() => QcBaselines, { nullable: true })
  async baselines(
    @Root() e: EvaluationRow,
    @Arg('structure', () => Structure) structure: Structure,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('maxPoints', () => Int, MAX_POINTS_ARG) maxPoints: number,
    @Ctx() ctx: ApiContext,
  ) {
    return baselinesOf(ctx.store, e.id, structure, scope, checkMaxPoints(maxPoints));
  }

  @FieldResolver(() => [Correlation])
  async correlations(
    @Root() e: EvaluationRow,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    return correlationsOf(ctx.store, e.id, scope);
  }

  @FieldResolver(() => PredictionConnection, {
    description: 'Evaluated slices, in slice order, or most uncertain first with sortBy ("the ones to review")',
  })
  async predictions(
    @Root() e: EvaluationRow,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('sortBy', () => UncertaintyMeasure, { nullable: true }) sortBy: UncertaintyMeasure | undefined,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const ids = await predictionIdsInOrder(ctx.store, e.id, scope, sortBy);
    let start = 0;
    if (page.after) {
      const afterId = decodeCursor(page.after);
      const at = ids.indexOf(afterId);
      if (at < 0) throw badInput('cursor does not belong to this list', 'after');
      start = at + 1;
    }
    const pageIds = ids.slice(start, start + page.first);
    const rows = await ctx.store.prediction.findMany({
      where: { id: { in: pageIds } },
      select: { id: true, evaluationId: true, sliceId: true, createdAt: true },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const nodes = pageIds.map((id) => byId.get(id)!);
    const pageInfo = new PageInfo();
    pageInfo.hasNextPage = start + page.first < ids.length;
    pageInfo.endCursor = nodes.length ? encodeCursor(nodes[nodes.length - 1].id) : null;
    return {
      edges: nodes.map((node) => ({ cursor: encodeCursor(node.id), node })),
      nodes,
      pageInfo,
      totalCount: ids.length,
    };
  }
}

@Resolver(() => QcCurve)
export class QcCurveResolver {
  @FieldResolver(() => Float, { description: 'Fraction of slices to review so that at most `target` poor remain' })
  async reviewAt(
    @Root() curve: QcCurve & Pick<QcCurveResult, 'reviewAtFn'>,
    @Arg('target', () => Float, { defaultValue: 0.05 }) target: number,
  ) {
    if (!(target >= 0 && target <= 1)) throw badInput('target must be in [0, 1]', 'target');
    return curve.reviewAtFn(target);
  }
}
