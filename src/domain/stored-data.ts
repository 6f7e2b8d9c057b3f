/**
 * Reading back JSON the platform stored itself (`Run.config`, `job.data`): parsed with the zod
 * schema of its kind, so a renamed or missing field fails here, naming the run or job and the
 * field, instead of surfacing later as `undefined` deep inside a computation.
 */
import type { z } from 'zod';

export class StoredDataError extends Error {
  constructor(
    /** e.g. "run 5f0c… (TRAIN config)" or "job 81a2… (train-member payload)". */
    readonly subject: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(`${subject} is malformed: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'StoredDataError';
  }
}

export function parseStored<S extends z.ZodType>(schema: S, value: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  throw new StoredDataError(subject, issues);
}
