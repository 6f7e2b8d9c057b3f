/**
 * Clinical biomarkers in GraphQL (docs/design.md "Biomarkers from the store", "GraphQL API"):
 * `Inference.biomarkers`, `Evaluation.biomarkers(scope)`, `Evaluation.subjectQcCurve` and
 * `biomarkerAgreement(evaluationId, scope)`, read from the stored counts by services/biomarkers.ts.
 */
import { Arg, Ctx, FieldResolver, Float, ID, Query, Resolver, Root } from 'type-graphql';
import { BIOMARKERS } from '../engine/clinical/biomarkers';
import { intervalCoverage } from '../engine/clinical/interval-coverage';
import { DEFAULT_POOR_EF_TOLERANCE } from '../engine/clinical/poor-subject';
import {
  type BiomarkerOptions,
  type SubjectBiomarkerResult,
  biomarkerAgreement,
  evaluationBiomarkers,
  inferenceBiomarkers,
  subjectQcCurve,
} from '../services/biomarkers';
import {
  BiomarkerAgreement,
  type BiomarkerStatus,
  EfFlagKind,
  type SliceSpacingSource,
  SubjectBiomarkers,
  type TruthStatus,
  biomarkerName,
} from '../schema/biomarkers.type';
import { Structure } from '../schema/enums';
import { Evaluation, QcCurve, SliceScope } from '../schema/evaluation.type';
import { Inference } from '../schema/inference.type';
import type { ApiContext } from './context';
import { isUuid } from './paginate';

const THRESHOLDS_ARG = {
  nullable: true,
  description: 'EF decision thresholds a subject is flagged for when its 95 % interval crosses one (default 0.35, 0.5)',
} as const;
const WIDTH_ARG = {
  nullable: true,
  description: 'EF interval width above which a subject is flagged (default 0.10)',
} as const;

/** The service's subject as the API shows it: every biomarker with its interval, truth and coverage. */
function present(r: SubjectBiomarkerResult): SubjectBiomarkers {
  const values = r.values
    ? BIOMARKERS.map((k) => {
        const posterior = r.posterior![k];
        const truth = r.truth?.[k] ?? null;
        const c = intervalCoverage([posterior], [truth]);
        return {
          biomarker: biomarkerName(k),
          value: r.values![k],
          posterior,
          truth,
          covered: c.n ? c.covered === 1 : null,
        };
      })
    : [];
  const flags = r.flags
    ? (['LV', 'RV'] as const).map((structure) => ({
        structure: structure as Structure,
        flagged: r.flags![structure].flag,
        reasons: r.flags![structure].reasons.map((x) => ({
          kind: x.kind as EfFlagKind,
          threshold: x.kind === 'CROSSES' ? x.threshold : null,
          width: x.kind === 'WIDE' ? x.width : null,
        })),
      }))
    : [];
  return {
    subjectId: r.subjectId,
    externalId: r.externalId,
    group: r.group,
    split: r.split as SubjectBiomarkers['split'],
    status: r.status as BiomarkerStatus,
    reason: r.reason,
    samples: r.samples,
    spacing: r.spacing.map((s) => ({ ...s, zSource: s.zSource as SliceSpacingSource | null })),
    truthStatus: r.truthStatus as TruthStatus,
    values,
    flags,
  };
}

const options = (efThresholds?: number[] | null, maxEfWidth?: number | null): BiomarkerOptions => ({
  efThresholds,
  maxEfWidth,
});

@Resolver(() => Inference)
export class InferenceBiomarkersResolver {
  @FieldResolver(() => [SubjectBiomarkers], {
    description:
      'Per subject with ED and ES: LV/RV volumes, SV, EF and MYO mass from the mean segmentation, their posterior intervals, the ground truth where every slice is labelled, and the EF flags',
  })
  async biomarkers(
    @Root() i: Inference,
    @Arg('efThresholds', () => [Float], THRESHOLDS_ARG) efThresholds: number[] | undefined,
    @Arg('maxEfWidth', () => Float, WIDTH_ARG) maxEfWidth: number | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    return (await inferenceBiomarkers(ctx.store, i.id, options(efThresholds, maxEfWidth))).map(present);
  }
}

@Resolver(() => Evaluation)
export class EvaluationBiomarkersResolver {
  @FieldResolver(() => [SubjectBiomarkers], {
    description:
      'Per subject in scope (split, site, group: biomarkers need whole stacks), as Inference.biomarkers, the ground truth the evaluation compared with',
  })
  async biomarkers(
    @Root() e: Evaluation,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Arg('efThresholds', () => [Float], THRESHOLDS_ARG) efThresholds: number[] | undefined,
    @Arg('maxEfWidth', () => Float, WIDTH_ARG) maxEfWidth: number | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    return (await evaluationBiomarkers(ctx.store, e.id, scope, options(efThresholds, maxEfWidth))).map(present);
  }

  @FieldResolver(() => QcCurve, {
    nullable: true,
    description:
      'Subject-level QC: subjects flagged by descending EF interval width, poor when |EF error| > poorEfPoints; null when no subject has biomarkers and ground truth',
  })
  async subjectQcCurve(
    @Root() e: Evaluation,
    @Arg('structure', () => Structure, { defaultValue: 'LV' }) structure: Structure,
    @Arg('poorEfPoints', () => Float, { defaultValue: DEFAULT_POOR_EF_TOLERANCE * 100 }) poorEfPoints: number,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    return subjectQcCurve(ctx.store, e.id, { structure, poorEfPoints, scope });
  }
}

@Resolver()
export class BiomarkerAgreementResolver {
  @Query(() => BiomarkerAgreement, {
    nullable: true,
    description:
      "Agreement of an evaluation's biomarkers with the ground truth: Bland–Altman bias and limits, Pearson r, MAE and 95 % interval coverage; null for an unknown evaluation",
  })
  async biomarkerAgreement(
    @Arg('evaluationId', () => ID) evaluationId: string,
    @Arg('scope', () => SliceScope, { nullable: true }) scope: SliceScope | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    if (!isUuid(evaluationId)) return null;
    const result = await biomarkerAgreement(ctx.store, evaluationId, scope);
    return (
      result && {
        ...result,
        biomarkers: result.biomarkers.map((b) => ({ ...b, biomarker: biomarkerName(b.biomarker) })),
      }
    );
  }
}
