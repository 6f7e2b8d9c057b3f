/**
 * Typed errors raised at the boundaries (file formats, shapes, values). Every layer above maps
 * them: the CLI to exit code 2 with the message, GraphQL to a BAD_USER_INPUT error with `code`.
 */
export type InputErrorCode =
  | 'FILE_NOT_FOUND'
  | 'BAD_FORMAT'
  | 'BAD_SHAPE'
  | 'NON_FINITE'
  | 'BAD_LABEL'
  | 'TOO_LARGE'
  | 'BAD_ARGUMENT'
  /** A path that resolves (through symbolic links) outside the folder it must stay in. */
  | 'OUTSIDE_ROOT'
  /** Work that needs ground truth asked of slices imported without it. */
  | 'LABELS_MISSING'
  /** Ground truth offered for a slice that already has one. */
  | 'LABEL_CONFLICT';

export class InvalidInputError extends Error {
  constructor(
    readonly code: InputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}
