import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { policyRules } from '../domain/policy-rules';
import { createPolicy } from '../services/policies';
import { PageArgs } from '../schema/connection';
import { Evaluation } from '../schema/evaluation.type';
import { PolicyInput } from '../schema/policy.input';
import { Policy, PolicyConnection, PolicyRule, PromisedFraction } from '../schema/policy.type';
import { launcher, type ApiContext } from './context';
import { isUuid, paginate } from './paginate';

type PolicyRow = Policy & {
  rules: unknown;
  reviewFraction: number;
  reviewFractionLow: number;
  reviewFractionHigh: number;
  poorLeft: number;
  poorLeftLow: number;
  poorLeftHigh: number;
};

@Resolver(() => Policy)
export class PolicyResolver {
  @Authorized('OPERATOR')
  @Mutation(() => Policy, { description: 'Choose QC thresholds on a finished labelled evaluation and store them' })
  async createPolicy(@Arg('input', () => PolicyInput) input: PolicyInput, @Ctx() ctx: ApiContext) {
    return createPolicy(launcher(ctx), input);
  }

  @Query(() => Policy, { nullable: true, description: 'A QC policy by id; null when unknown' })
  async policy(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return isUuid(id) ? ctx.store.policy.findUnique({ where: { id } }) : null;
  }

  @Query(() => PolicyConnection, { description: 'QC policies, newest first; of one model when trainingRunId is given' })
  async policies(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('trainingRunId', () => ID, { nullable: true }) trainingRunId: string | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    // An id that is not a UUID names no model: an empty list, as `evaluations` answers.
    const where =
      trainingRunId === undefined ? {} : isUuid(trainingRunId) ? { trainingRunId } : { id: { in: [] as string[] } };
    const policies = ctx.store.policy;
    return paginate(
      {
        fetch: (window) => policies.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...window }),
        count: () => policies.count({ where }),
        contains: async (id) => (await policies.count({ where: { ...where, id } })) > 0,
      },
      page,
    );
  }

  @FieldResolver(() => [PolicyRule])
  rules(@Root() p: PolicyRow) {
    return policyRules(p).map((r) => ({
      ...r,
      threshold: r.threshold === Infinity ? null : r.threshold,
      thresholdIsInfinite: r.threshold === Infinity,
    }));
  }

  @FieldResolver(() => PromisedFraction, { description: 'Fraction of slices flagged, on the evaluation' })
  reviewFraction(@Root() p: PolicyRow): PromisedFraction {
    return { estimate: p.reviewFraction, low: p.reviewFractionLow, high: p.reviewFractionHigh };
  }

  @FieldResolver(() => PromisedFraction, { description: 'Poor slices not flagged, as a fraction of all slices' })
  poorLeft(@Root() p: PolicyRow): PromisedFraction {
    return { estimate: p.poorLeft, low: p.poorLeftLow, high: p.poorLeftHigh };
  }

  @FieldResolver(() => Evaluation)
  async evaluation(@Root() p: PolicyRow, @Ctx() ctx: ApiContext) {
    return ctx.store.evaluation.findUniqueOrThrow({ where: { id: p.evaluationId } });
  }
}
