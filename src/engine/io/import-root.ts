/**
 * Import-root confinement (docs/design.md "Importing data"): every folder and file an importer
 * opens must resolve, through every symbolic link at any depth (fs.realpath), inside the import
 * root; a path that leads out is refused with OUTSIDE_ROOT before anything is read from it.
 * Messages name the path as asked for, never where a link points, so a client learns nothing
 * about the server's folders outside the root.
 */
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { InvalidInputError } from '../errors';

/** Resolves paths inside one root; `resolve(p)` is p's real path, or an OUTSIDE_ROOT / FILE_NOT_FOUND error. */
export interface ImportRoot {
  readonly realRoot: string;
  resolve(path: string): string;
}

export function importRoot(root: string): ImportRoot {
  const realRoot = realpathOrThrow(root, root);
  const inside = (real: string) =>
    real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  return {
    realRoot,
    resolve(path: string): string {
      const real = realpathOrThrow(path, relative(realRoot, path) || '.');
      if (!inside(real))
        throw new InvalidInputError(
          'OUTSIDE_ROOT',
          `${relative(realRoot, path) || path} leads outside the import root`,
        );
      return real;
    },
  };
}

function realpathOrThrow(path: string, shown: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InvalidInputError('FILE_NOT_FOUND', `not found: ${shown}`);
    if (code === 'ELOOP') throw new InvalidInputError('BAD_FORMAT', `${shown}: a loop of symbolic links`);
    throw new InvalidInputError('FILE_NOT_FOUND', `cannot open ${shown}: ${code ?? 'error'}`);
  }
}
