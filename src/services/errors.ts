/**
 * Why work could not be started: an unknown id, an input the store's state rules out, or a
 * conflict. The API maps `code` onto the GraphQL error; the CLI prints the message.
 */
export type LaunchErrorCode = 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT';

export class LaunchError extends Error {
  constructor(
    readonly code: LaunchErrorCode,
    message: string,
    readonly field?: string,
    /** A finer reason clients may branch on (e.g. ALREADY_LABELLED under CONFLICT). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

export const notFound = (entity: string, id: string) => new LaunchError('NOT_FOUND', `${entity} ${id} not found`, 'id');
export const badInput = (message: string, field?: string) => new LaunchError('BAD_USER_INPUT', message, field);
export const conflict = (message: string) => new LaunchError('CONFLICT', message);

/** Work that needs ground truth asked of a scope where `missing` of `total` slices have none. */
export const labelsMissing = (what: string, missing: number, total: number) =>
  new LaunchError(
    'BAD_USER_INPUT',
    `${what}: ${missing} of ${total} slices have no ground-truth label (attach labels first: attachLabels)`,
    'datasetId',
    'LABELS_MISSING',
  );
