import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Float,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { sliceDecisions } from '../domain/policy-rules';
import { runConfig } from '../domain/run-config';
import { heatPng, labelPng } from '../render/png';
import { startInference } from '../services/inferences';
import { PageArgs } from '../schema/connection';
import {
  Inference,
  InferenceConnection,
  InferenceCounts,
  InferenceProvenance,
  InferenceSlice,
  InferenceSliceConnection,
  InferenceStructureRow,
  ReviewFractionCheck,
  RuleDecision,
  TriageSubject,
} from '../schema/inference.type';
import { InferenceInput } from '../schema/inference.input';
import { Policy } from '../schema/policy.type';
import { Run } from '../schema/run.type';
import { Slice } from '../schema/slice.type';
import { inferenceCounts, triageCount, triagePage, triageSubjects } from '../store/inference-queries';
import { MAP_MAX_NATS, unpackLabels, unpackNatsMap } from '../store/map-codec';
import { launcher, type ApiContext } from './context';
import { badInput } from './errors';
import { loaders } from './loaders';
import { isUuid, paginate } from './paginate';

const finite = (x: number | null) => (x === null || Number.isFinite(x) ? x : null);

/** Subjects listed at most (a dataset of a few hundred subjects fits). */
export const MAX_TRIAGE_SUBJECTS = 1000;

@Resolver(() => Inference)
export class InferenceResolver {
  @Authorized('OPERATOR')
  @Mutation(() => Run, {
    description:
      'Segment a dataset with uncertainty (sharded jobs), flagging slices by a policy; returns its run at once',
  })
  async startInference(@Arg('input', () => InferenceInput) input: InferenceInput, @Ctx() ctx: ApiContext) {
    return startInference(launcher(ctx), input);
  }

  @Query(() => Inference, { nullable: true, description: 'An inference by id; null when unknown' })
  async inference(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.inference.findUnique({ where: { id } }) : null;
  }

  @Query(() => InferenceConnection, { description: 'Inferences, newest first; of one dataset when datasetId is given' })
  async inferences(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('datasetId', () => ID, { nullable: true }) datasetId: string | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const where = datasetId === undefined ? {} : isUuid(datasetId) ? { datasetId } : { id: { in: [] as string[] } };
    const inferences = ctx.store.inference;
    return paginate(
      {
        fetch: (window) => inferences.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...window }),
        count: () => inferences.count({ where }),
        contains: async (id) => (await inferences.count({ where: { ...where, id } })) > 0,
      },
      page,
    );
  }

  @FieldResolver(() => Run)
  async run(@Root() i: Inference, @Ctx() ctx: ApiContext) {
    return loaders(ctx).run.load(i.runId);
  }

  @FieldResolver(() => Policy, { nullable: true })
  async policy(@Root() i: Inference, @Ctx() ctx: ApiContext) {
    return i.policyId ? ctx.store.policy.findUnique({ where: { id: i.policyId } }) : null;
  }

  @FieldResolver(() => InferenceCounts, { description: 'Slices written so far, flagged slices and subjects' })
  async counts(@Root() i: Inference, @Ctx() ctx: ApiContext) {
    return inferenceCounts(ctx.store, i.id);
  }

  @FieldResolver(() => ReviewFractionCheck, {
    nullable: true,
    description: "Flagged fraction of this inference against the policy's promise; null without a policy or slices",
  })
  async reviewFraction(@Root() i: Inference, @Ctx() ctx: ApiContext): Promise<ReviewFractionCheck | null> {
    if (!i.policyId) return null;
    const [counts, policy] = await Promise.all([
      inferenceCounts(ctx.store, i.id),
      ctx.store.policy.findUniqueOrThrow({ where: { id: i.policyId } }),
    ]);
    if (counts.slices === 0) return null;
    const realised = counts.flaggedSlices / counts.slices;
    return {
      realised,
      promised: { estimate: policy.reviewFraction, low: policy.reviewFractionLow, high: policy.reviewFractionHigh },
      withinInterval: realised >= policy.reviewFractionLow && realised <= policy.reviewFractionHigh,
    };
  }

  @FieldResolver(() => InferenceSliceConnection, {
    description:
      'The triage queue: flagged slices first, then by triage score descending (the policy’s first rule’s value; entropy without a policy), then id',
  })
  async triage(
    @Root() i: Inference,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('flaggedOnly', () => Boolean, { defaultValue: false }) flaggedOnly: boolean,
    @Ctx() ctx: ApiContext,
  ) {
    const store = ctx.store;
    return paginate(
      {
        fetch: async (window) => {
          const ids = await triagePage(store, i.id, { afterId: window.cursor?.id, take: window.take, flaggedOnly });
          const rows = await store.inferenceSlice.findMany({
            where: { id: { in: ids.map((r) => r.id) } },
            omit: { labelMap: true, entropyMap: true, miMap: true },
          });
          const byId = new Map(rows.map((r) => [r.id, r]));
          return ids.map((r) => ({ ...byId.get(r.id)!, triageScore: r.score }));
        },
        count: () => triageCount(store, i.id, flaggedOnly),
        contains: async (id) =>
          (await store.inferenceSlice.count({
            where: { id, inferenceId: i.id, ...(flaggedOnly ? { flagged: true } : {}) },
          })) > 0,
      },
      page,
    );
  }

  @FieldResolver(() => [TriageSubject], {
    description: `Subjects, flagged first (any slice flagged), then by their highest triage score (at most ${MAX_TRIAGE_SUBJECTS})`,
  })
  async subjects(
    @Root() i: Inference,
    @Arg('first', () => Int, { defaultValue: 100, description: `1..${MAX_TRIAGE_SUBJECTS}` }) first: number,
    @Ctx() ctx: ApiContext,
  ) {
    if (!(first >= 1 && first <= MAX_TRIAGE_SUBJECTS))
      throw badInput(`first must be in 1..${MAX_TRIAGE_SUBJECTS}`, 'first');
    return (await triageSubjects(ctx.store, i.id, first)).map((s) => ({ ...s, maxScore: finite(s.maxScore) }));
  }

  @FieldResolver(() => InferenceProvenance)
  async provenance(@Root() i: Inference, @Ctx() ctx: ApiContext): Promise<InferenceProvenance> {
    const row = await ctx.store.inference.findUniqueOrThrow({
      where: { id: i.id },
      select: {
        run: true,
        checkpoints: { select: { checkpoint: { select: { id: true, member: true, weightsSha256: true } } } },
      },
    });
    const config = runConfig(row.run, 'INFER');
    const checkpoints = row.checkpoints.map((c) => c.checkpoint).sort((a, b) => a.member - b.member);
    return {
      datasetId: config.datasetId,
      datasetHash: config.datasetHash,
      checkpointIds: checkpoints.map((c) => c.id),
      weightsSha256: checkpoints.map((c) => c.weightsSha256),
      trainingRunId: config.trainingRunId,
      policyId: config.policyId,
      config: row.run.config,
      seed: row.run.seed,
      codeVersion: row.run.codeVersion,
      backend: row.run.backend,
      actor: row.run.createdBy,
    };
  }
}

type InferenceSliceRow = InferenceSlice & { decisions: unknown; triageScore?: number };

@Resolver(() => InferenceSlice)
export class InferenceSliceResolver {
  @FieldResolver(() => Slice)
  async slice(@Root() s: InferenceSliceRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).slice.load(s.sliceId);
  }

  @FieldResolver(() => [RuleDecision], { nullable: true, description: "Each rule's decision; null without a policy" })
  decisions(@Root() s: InferenceSliceRow) {
    return sliceDecisions(s)?.map((d) => ({ ...d, value: finite(d.value), threshold: finite(d.threshold) })) ?? null;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'The triage score the queue is ordered by; null when +∞' })
  triageScore(@Root() s: InferenceSliceRow) {
    return s.triageScore === undefined ? null : finite(s.triageScore);
  }

  @FieldResolver(() => [InferenceStructureRow], { description: 'Per structure: LV, MYO, RV' })
  async structures(@Root() s: InferenceSliceRow, @Ctx() ctx: ApiContext) {
    return loaders(ctx).inferenceStructures.load(s.id);
  }

  @FieldResolver(() => String, { description: 'Mean segmentation label map (PNG data URL, transparent background)' })
  async labelPng(@Root() s: InferenceSliceRow, @Ctx() ctx: ApiContext) {
    const row = await this.maps(s.id, ctx);
    return labelPng(unpackLabels(row.labelMap), row.slice.rows, row.slice.cols);
  }

  @FieldResolver(() => String, { description: 'Predictive entropy map (PNG, 0..ln 4 nats)' })
  async entropyPng(@Root() s: InferenceSliceRow, @Ctx() ctx: ApiContext) {
    const row = await this.maps(s.id, ctx);
    return heatPng(unpackNatsMap(row.entropyMap), row.slice.rows, row.slice.cols, MAP_MAX_NATS);
  }

  @FieldResolver(() => String, { description: 'Mutual information map (PNG, 0..ln 4 nats)' })
  async miPng(@Root() s: InferenceSliceRow, @Ctx() ctx: ApiContext) {
    const row = await this.maps(s.id, ctx);
    return heatPng(unpackNatsMap(row.miMap), row.slice.rows, row.slice.cols, MAP_MAX_NATS);
  }

  private maps(id: string, ctx: ApiContext) {
    return ctx.store.inferenceSlice.findUniqueOrThrow({
      where: { id },
      select: { labelMap: true, entropyMap: true, miMap: true, slice: { select: { rows: true, cols: true } } },
    });
  }
}
