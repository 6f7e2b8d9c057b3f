/**
 * Opening the files of an import folder (docs/design.md "Importing data"): with a root set, every
 * folder and file must resolve inside it (./import-root.ts); only regular files under the size cap
 * are read (a FIFO or device would block or never end); errors name the path as asked for.
 */
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { InvalidInputError } from '../errors';
import { importRoot } from './import-root';
import { MAX_VOXELS } from './nifti';

/** Largest file read (a float32 volume at the voxel cap), checked before reading it. */
export const MAX_FILE_BYTES = MAX_VOXELS * 4 + 65536;

/** Where an import may look: `resolve` gives the path to open (its real path under a root). */
export interface Opener {
  resolve(path: string): string;
}

export function opener(root: string | undefined): Opener {
  return root === undefined ? { resolve: (path) => path } : importRoot(root);
}

export function statOrNull(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new InvalidInputError('BAD_FORMAT', `${path}: a loop of symbolic links`);
    throw error;
  }
}

/**
 * Whether a directory entry exists at all (a dangling link counts): an optional file that is named
 * but broken must fail when read, not pass as absent.
 */
export function entryExists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

export function readFile(open: Opener, path: string): Uint8Array {
  if (!statOrNull(path)) throw new InvalidInputError('FILE_NOT_FOUND', `file not found: ${path}`);
  const real = open.resolve(path);
  const stat = statSync(real);
  if (!stat.isFile()) throw new InvalidInputError('BAD_FORMAT', `${path} is not a regular file`);
  if (stat.size > MAX_FILE_BYTES)
    throw new InvalidInputError('TOO_LARGE', `${path} is ${stat.size} bytes (limit ${MAX_FILE_BYTES})`);
  return readFileSync(real);
}

/** The folder to list (its real path under a root), or FILE_NOT_FOUND. */
export function openFolder(open: Opener, dir: string): string {
  if (!statOrNull(dir)?.isDirectory()) throw new InvalidInputError('FILE_NOT_FOUND', `not a folder: ${dir}`);
  return open.resolve(dir);
}

/** Runs fn, prefixing any input error with the file it concerns. */
export function withFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(error.code, `${path}: ${error.message}`);
    throw error;
  }
}
