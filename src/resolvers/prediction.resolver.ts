import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { ImageMetricRow, Prediction, Provenance, StructureMetricRow } from '../schema/evaluation.type';
import { Slice } from '../schema/slice.type';
import { heatPng, labelPng } from '../render/png';
import { MAP_MAX_NATS, unpackLabels, unpackNatsMap } from '../store/map-codec';
import type { ApiContext } from './context';
import { loaders } from './loaders';
import { isUuid } from './paginate';

type PredictionRow = Prediction;

@Resolver(() => Prediction)
export class PredictionResolver {
  @Query(() => Prediction, { nullable: true, description: 'A stored segmentation by id; null when unknown' })
  async prediction(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id)
      ? ctx.store.prediction.findUnique({
          where: { id },
          select: { id: true, evaluationId: true, sliceId: true, createdAt: true },
        })
      : null;
  }

  @FieldResolver(() => Slice)
  async slice(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).slice.load(p.sliceId);
  }

  @FieldResolver(() => [StructureMetricRow], { description: 'Per-structure metrics (LV, MYO, RV)' })
  async metrics(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).structureMetrics.load(p.id);
  }

  @FieldResolver(() => ImageMetricRow, { nullable: true })
  async image(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).imageMetric.load(p.id);
  }

  @FieldResolver(() => String, { description: 'Mean-prediction label map (PNG data URL, transparent background)' })
  async labelPng(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    const row = await ctx.store.prediction.findUniqueOrThrow({
      where: { id: p.id },
      select: { labelMap: true, slice: { select: { rows: true, cols: true } } },
    });
    return labelPng(unpackLabels(row.labelMap), row.slice.rows, row.slice.cols);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Predictive entropy map (PNG, 0..ln 4 nats); stored for undistorted evaluations',
  })
  async entropyPng(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    return this.map(p.id, 'entropyMap', ctx);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Mutual information map (PNG, 0..ln 4 nats)' })
  async miPng(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    return this.map(p.id, 'miMap', ctx);
  }

  @FieldResolver(() => [String], { description: 'The stored samples as label-map PNGs (empty unless storeSamples)' })
  async samplePngs(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    const slice = await ctx.store.prediction.findUniqueOrThrow({
      where: { id: p.id },
      select: { slice: { select: { rows: true, cols: true } } },
    });
    const samples = await ctx.store.sample.findMany({
      where: { predictionId: p.id },
      orderBy: { index: 'asc' },
      take: 100,
    });
    return samples.map((s) => labelPng(unpackLabels(s.labelMap), slice.slice.rows, slice.slice.cols));
  }

  @FieldResolver(() => Provenance)
  async provenance(@Root() p: PredictionRow, @Ctx() ctx: ApiContext) {
    const row = await ctx.store.prediction.findUniqueOrThrow({
      where: { id: p.id },
      select: {
        createdAt: true,
        slice: { select: { id: true, contentHash: true } },
        evaluation: {
          select: {
            dataset: { select: { id: true, contentHash: true } },
            run: true,
            trainingRunId: true,
            checkpoints: { select: { checkpoint: { select: { id: true, member: true, weightsSha256: true } } } },
          },
        },
      },
    });
    const evaluation = row.evaluation;
    const training = await ctx.store.run.findUniqueOrThrow({ where: { id: evaluation.trainingRunId } });
    const checkpoints = evaluation.checkpoints.map((c) => c.checkpoint).sort((a, b) => a.member - b.member);
    return {
      datasetId: evaluation.dataset.id,
      datasetHash: evaluation.dataset.contentHash,
      sliceId: row.slice.id,
      sliceHash: row.slice.contentHash,
      weightsSha256: checkpoints.map((c) => c.weightsSha256),
      checkpointIds: checkpoints.map((c) => c.id),
      trainingRunId: training.id,
      evaluationRunId: evaluation.run.id,
      config: { training: training.config, evaluation: evaluation.run.config },
      seed: evaluation.run.seed,
      codeVersion: evaluation.run.codeVersion,
      backend: evaluation.run.backend ?? 'unknown',
      actor: evaluation.run.createdBy,
      createdAt: row.createdAt,
    };
  }

  private async map(id: string, field: 'entropyMap' | 'miMap', ctx: ApiContext) {
    const row = await ctx.store.prediction.findUniqueOrThrow({
      where: { id },
      select: { entropyMap: true, miMap: true, slice: { select: { rows: true, cols: true } } },
    });
    const bytes = row[field];
    return bytes ? heatPng(unpackNatsMap(bytes), row.slice.rows, row.slice.cols, MAP_MAX_NATS) : null;
  }
}
