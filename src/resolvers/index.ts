/** The GraphQL schema: every resolver class, built once with validation on. */
import 'reflect-metadata';
import '../schema/enums';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { authChecker } from '../server/auth';
import { AuditResolver } from './audit.resolver';
import {
  BiomarkerAgreementResolver,
  EvaluationBiomarkersResolver,
  InferenceBiomarkersResolver,
} from './biomarkers.resolver';
import { ComparisonResolver } from './comparison.resolver';
import { ConstantsResolver } from './constants.resolver';
import { DatasetMutations } from './dataset.mutations';
import { EvaluationResolver, QcCurveResolver } from './evaluation.resolver';
import { EvaluationFailureDetectionResolver } from './failure-detection.resolver';
import { InferenceResolver, InferenceSliceResolver } from './inference.resolver';
import { EvaluationPlausibilityResolver } from './plausibility.resolver';
import { PolicyResolver } from './policy.resolver';
import { PredictionResolver } from './prediction.resolver';
import { DatasetResolver } from './dataset.resolver';
import { EvaluationMutations } from './evaluation.mutations';
import { InferenceResultsResolver } from './inference-results.resolver';
import { InferenceReviewFields, InferenceSliceReviewFields } from './inference-review.resolver';
import { LineageResolver } from './lineage.resolver';
import { ReviewResolver } from './review.resolver';
import { RunResolver } from './run.resolver';
import { NO_TOPICS, RunProgressResolver } from './run-progress.resolver';
import { ServerInfoResolver } from './server-info.resolver';
import { SliceResolver } from './slice.resolver';
import { StudyMutations } from './study.mutations';
import { SubjectResolver } from './subject.resolver';
import { TemperatureResolver } from './temperature.resolver';
import { TrainingMutations } from './training.mutations';
import { UploadMutations } from './upload.mutations';

export const RESOLVERS = [
  ServerInfoResolver,
  ConstantsResolver,
  DatasetResolver,
  DatasetMutations,
  UploadMutations,
  SubjectResolver,
  SliceResolver,
  RunResolver,
  RunProgressResolver,
  TrainingMutations,
  EvaluationMutations,
  StudyMutations,
  EvaluationResolver,
  QcCurveResolver,
  EvaluationFailureDetectionResolver,
  EvaluationPlausibilityResolver,
  PredictionResolver,
  PolicyResolver,
  InferenceResolver,
  InferenceSliceResolver,
  ComparisonResolver,
  AuditResolver,
  LineageResolver,
  ReviewResolver,
  InferenceResultsResolver,
  InferenceReviewFields,
  InferenceSliceReviewFields,
  InferenceBiomarkersResolver,
  EvaluationBiomarkersResolver,
  BiomarkerAgreementResolver,
  TemperatureResolver,
] as const;

export function buildApiSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: RESOLVERS, validate: true, authChecker, pubSub: NO_TOPICS });
}
