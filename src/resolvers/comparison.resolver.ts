import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { ComparisonRow, SliceScope, SweepPoint } from '../schema/evaluation.type';
import type { ApiContext } from './context';
import { calibrationOf } from '../services/evaluation-analytics';
import {
  IMAGE_COLUMNS,
  imageDistribution,
  uncertaintyMeans,
  STRUCTURE_COLUMNS,
  structureDistributions,
  structureSummaries,
} from '../store/evaluation-queries';
import { badInput, notFound } from './errors';
import { isUuid } from './paginate';

const MAX_COMPARED = 50;

@Resolver()
export class ComparisonResolver {
  @Query(() => [ComparisonRow], {
    description: `One table across methods: accuracy, calibration, uncertainty per evaluation (≤ ${MAX_COMPARED})`,
  })
  async compare(
    @Arg('evaluationIds', () => [ID]) evaluationIds: string[],
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<ComparisonRow[]> {
    if (evaluationIds.length > MAX_COMPARED) throw badInput(`at most ${MAX_COMPARED} evaluations`, 'evaluationIds');
    const rows: ComparisonRow[] = [];
    for (const id of evaluationIds) {
      const e = isUuid(id)
        ? await ctx.store.evaluation.findUnique({ where: { id }, include: { dataset: { select: { site: true } } } })
        : null;
      if (!e) throw notFound('evaluation', id);
      const method =
        (await ctx.store.run.findUnique({ where: { id: e.trainingRunId }, select: { method: true } }))?.method ?? null;
      const [structures, calibration, uncertainty] = await Promise.all([
        structureSummaries(ctx.store, e.id, scope),
        calibrationOf(ctx.store, e.id, e.calibrationBins, e.calibrationBins, scope),
        uncertaintyMeans(ctx.store, e.id, scope),
      ]);
      rows.push({
        evaluationId: e.id,
        method,
        trainingRunId: e.trainingRunId,
        distortionKind: e.distortionKind,
        distortionLevel: e.distortionLevel,
        site: e.dataset.site,
        structures,
        calibration,
        entropy: uncertainty?.entropy ?? null,
        mi: uncertainty?.mi ?? null,
      });
    }
    return rows;
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
    const points: SweepPoint[] = [];
    for (const e of evaluations) {
      const base = { evaluationId: e.id, kind: e.distortionKind, level: e.distortionLevel };
      for (const metric of Object.keys(STRUCTURE_COLUMNS) as Array<keyof typeof STRUCTURE_COLUMNS>) {
        for (const { structure, ...distribution } of await structureDistributions(ctx.store, e.id, metric, scope)) {
          points.push({ ...base, structure, metric, distribution });
        }
      }
      for (const metric of Object.keys(IMAGE_COLUMNS) as Array<keyof typeof IMAGE_COLUMNS>) {
        const distribution = await imageDistribution(ctx.store, e.id, metric, scope);
        if (distribution) points.push({ ...base, structure: null, metric, distribution });
      }
    }
    return points;
  }
}
