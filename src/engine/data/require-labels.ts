/**
 * Ground truth required (docs/design.md "Importing data"): training and evaluation read labelled
 * slices only; a slice imported without a label is a LABELS_MISSING error naming how many lack
 * one, never a slice of background.
 */
import { InvalidInputError } from '../errors';
import type { LabeledSlice, MaybeLabeledSlice, Subject } from './types';

export const isLabeled = <S extends MaybeLabeledSlice>(slice: S): slice is S & LabeledSlice => slice.label !== null;

export function requireLabels(subjects: readonly Subject<MaybeLabeledSlice>[]): Subject[] {
  const missing = subjects.reduce((n, s) => n + s.slices.filter((slice) => !isLabeled(slice)).length, 0);
  if (missing > 0) {
    const total = subjects.reduce((n, s) => n + s.slices.length, 0);
    throw new InvalidInputError('LABELS_MISSING', `${missing} of ${total} slices have no ground-truth label`);
  }
  return subjects.map((s) => ({ ...s, slices: s.slices.filter(isLabeled) }));
}
