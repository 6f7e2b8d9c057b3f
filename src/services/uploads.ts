/**
 * Uploaded NIfTI files into a dataset (docs/design.md "Uploads"). POST /uploads (src/server/uploads.ts)
 * stages each file as `<uploads>/files/<uploadId>/<name>`; `importUploads` moves the chosen files
 * into one folder `<uploads>/imports/<importId>/` and hands it to the folder importer
 * (`launchImport`, layout NIFTI_PAIRS: images with optional `X_gt` labels beside them) with
 * `<uploads>/imports` as its root, so an upload is checked, read and stored by exactly the code
 * that imports a folder under the import root. `sweepUploads` removes staged files older than the
 * TTL and import folders whose run has finished (or never started and are older than the TTL).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/client';
import { isUuid } from '../db/ids';
import { ACTIVE_RUN_STATUSES } from '../domain/constants';
import type { Split } from '../db/generated/enums';
import { InvalidInputError } from '../engine/errors';
import { opener } from '../engine/io/import-files';
import { findNiftiFiles } from '../engine/io/nifti-folder-import';
import { launchImport } from './datasets';
import { badInput, notFound } from './errors';
import type { Launcher } from './launcher';

/** A staged file's name: a plain NIfTI file name, nothing path-like. */
export const UPLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.nii(\.gz)?$/;

export interface UploadFolders {
  files: string;
  imports: string;
}

export function uploadFolders(dir: string): UploadFolders {
  return { files: path.join(dir, 'files'), imports: path.join(dir, 'imports') };
}

/** The one file staged under an upload id, or NOT_FOUND (unknown, already imported, or swept). */
function stagedFile(folders: UploadFolders, uploadId: string): { id: string; dir: string; name: string } {
  const dir = path.join(folders.files, uploadId);
  const names = isUuid(uploadId) && fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => UPLOAD_NAME.test(n)) : [];
  if (names.length !== 1) throw notFound('upload', uploadId);
  return { id: uploadId, dir, name: names[0] };
}

export interface ImportUploadsRequest {
  name: string;
  uploadIds: string[];
  site?: 'A' | 'B';
  split?: Split;
}

/**
 * Queues the import of staged uploads as one dataset; returns its DATASET run. The files leave
 * the staging area for the import folder only when the name-level checks (the same as the folder
 * importer's: a label without its image, no image at all) and the launch pass; otherwise they go
 * back and may be imported again.
 */
export async function importUploads(l: Launcher, uploadsDir: string, request: ImportUploadsRequest) {
  const folders = uploadFolders(uploadsDir);
  const ids = [...new Set(request.uploadIds)];
  if (ids.length === 0) throw badInput('name at least one upload', 'uploadIds');
  const staged = ids.map((id) => stagedFile(folders, id));
  const names = staged.map((s) => s.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw badInput(`two uploads are named ${twice}; a dataset's files need distinct names`, 'uploadIds');
  fs.mkdirSync(folders.imports, { recursive: true });
  const folder = fs.mkdtempSync(path.join(folders.imports, 'import-'));
  const moved: typeof staged = [];
  try {
    for (const s of staged) {
      try {
        fs.renameSync(path.join(s.dir, s.name), path.join(folder, s.name));
      } catch (error) {
        // Taken by a concurrent importUpload (or swept) since it was found.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('upload', s.id);
        throw error;
      }
      moved.push(s);
    }
    try {
      findNiftiFiles(opener(folders.imports), folder);
    } catch (error) {
      throw error instanceof InvalidInputError
        ? badInput(error.message.replace(folder, 'the upload'), 'uploadIds')
        : error;
    }
    const run = await launchImport(l, folders.imports, {
      name: request.name,
      path: path.basename(folder),
      layout: 'NIFTI_PAIRS',
      site: request.site,
      split: request.split,
    });
    for (const s of staged) fs.rmSync(s.dir, { recursive: true, force: true });
    return run;
  } catch (error) {
    for (const s of moved) fs.renameSync(path.join(folder, s.name), path.join(s.dir, s.name));
    fs.rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

/** What a sweep removed: staged uploads past the TTL, import folders whose run is over. */
export interface Swept {
  uploads: number;
  imports: number;
}

export async function sweepUploads(store: Store, uploadsDir: string, ttlSeconds: number, now = Date.now()) {
  const folders = uploadFolders(uploadsDir);
  const swept: Swept = { uploads: 0, imports: 0 };
  // An entry another API process removed meanwhile is gone either way.
  const old = (p: string) => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    return stat !== undefined && now - stat.mtimeMs > ttlSeconds * 1000;
  };
  const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((n) => path.join(dir, n)) : []);
  for (const dir of entries(folders.files)) {
    if (!old(dir)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    swept.uploads++;
  }
  const realImports = fs.existsSync(folders.imports) ? fs.realpathSync(folders.imports) : folders.imports;
  for (const dir of entries(folders.imports)) {
    // The import run records the folder's real path (launchImport resolves it).
    const folder = path.join(realImports, path.basename(dir));
    const run = await store.run.findFirst({
      where: { kind: 'DATASET', config: { path: ['folder'], equals: folder } },
      select: { status: true },
    });
    const active = run ? (ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status) : !old(dir);
    if (active) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    swept.imports++;
  }
  return swept;
}
