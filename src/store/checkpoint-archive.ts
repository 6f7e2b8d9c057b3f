/**
 * Checkpoint folders travel through the store as zip archives (fflate), so any worker on any
 * machine can evaluate a model another one trained. Only the best model's files are packed; the
 * resumable `last/` state stays local.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';

const PACKED = ['model.json', 'weights.bin', 'meta.json'];

export function packCheckpoint(dir: string): Uint8Array<ArrayBuffer> {
  const files: Record<string, Uint8Array> = {};
  for (const name of PACKED) files[name] = new Uint8Array(fs.readFileSync(path.join(dir, name)));
  return zipSync(files, { level: 6 }) as Uint8Array<ArrayBuffer>;
}

/** Unpacks into `dir` (created); returns the folder. Refuses names that would leave it. */
export function unpackCheckpoint(archive: Uint8Array, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(unzipSync(archive))) {
    if (!PACKED.includes(name)) throw new Error(`unexpected file ${JSON.stringify(name)} in checkpoint archive`);
    fs.writeFileSync(path.join(dir, name), bytes);
  }
  return dir;
}
