/** GraphQL enums, mirroring the store's Postgres enums one to one. */
import { registerEnumType } from 'type-graphql';
import {
  DatasetSource,
  DistortionKind,
  Method,
  MetricStatus,
  Phase,
  PolicyTarget,
  RunKind,
  RunStatus,
  Split,
  Structure,
} from '../db/generated/enums';

registerEnumType(DatasetSource, { name: 'DatasetSource', description: 'Where a dataset came from' });
registerEnumType(Split, { name: 'Split', description: 'Subject split' });
registerEnumType(Phase, { name: 'Phase', description: 'Cardiac phase: end-diastole or end-systole' });
registerEnumType(RunKind, { name: 'RunKind' });
registerEnumType(PolicyTarget, {
  name: 'PolicyTarget',
  description:
    'What a QC policy is chosen for: POOR_LEFT (poor fraction left ≤ target) or REVIEW_BUDGET (review fraction ≤ target)',
});
registerEnumType(Method, { name: 'Method', description: 'Uncertainty method of a trained model' });
registerEnumType(RunStatus, { name: 'RunStatus' });
registerEnumType(DistortionKind, { name: 'DistortionKind' });
registerEnumType(Structure, { name: 'Structure', description: 'LV cavity, myocardium, RV cavity' });
registerEnumType(MetricStatus, {
  name: 'MetricStatus',
  description: 'Why a distance metric is undefined: BOTH_EMPTY (defined: 0), PRED_EMPTY, GT_EMPTY (null)',
});

export {
  DatasetSource,
  DistortionKind,
  Method,
  MetricStatus,
  Phase,
  PolicyTarget,
  RunKind,
  RunStatus,
  Split,
  Structure,
};
