/**
 * A seeded sample of subjects (docs/design.md "The study", sweeps on a subject sample): the ids
 * sorted, shuffled with a stream keyed by the seed, the first `count` kept, returned sorted. The
 * same ids and seed give the same sample whatever order they come in; count ≥ n keeps them all.
 */
import { createRng } from '../random';
import { InvalidInputError } from '../errors';

export function sampleSubjects(ids: readonly string[], count: number, seed: number): string[] {
  if (!Number.isInteger(count) || count < 1)
    throw new InvalidInputError('BAD_ARGUMENT', `a subject sample needs count ≥ 1, got ${count}`);
  const sorted = [...new Set(ids)].sort();
  return createRng(seed, 'subject-sample').shuffle(sorted).slice(0, count).sort();
}
