/**
 * What code is running (docs/design.md "Provenance"): the package version, and for provenance the
 * code version `<version>+<commit>` (`.dirty` when the checkout has uncommitted changes). A compiled
 * build (dist/, see scripts/build.mjs) carries the commit it was built from in build-info.json; the
 * sources ask git. Without either (an installed tarball) the code version is the package version.
 * Read at run time rather than imported: package.json lies outside the compiled tree.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// src/ and dist/ sit side by side at the repository root, so one relative path serves both.
const ROOT = path.resolve(__dirname, '..');

export const packageVersion: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

export interface BuildInfo {
  commit: string | null;
  dirty: boolean;
}

/** The commit of the checkout at ROOT, or null where git or the repository is absent. */
export function gitCommit(root = ROOT): BuildInfo {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', 'HEAD').trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no').trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: false };
  }
}

let cached: string | undefined;

export function codeVersion(): string {
  if (cached !== undefined) return cached;
  const builtInfo = path.join(__dirname, 'build-info.json');
  const info: BuildInfo = fs.existsSync(builtInfo) ? JSON.parse(fs.readFileSync(builtInfo, 'utf8')) : gitCommit();
  cached = info.commit ? `${packageVersion}+${info.commit.slice(0, 12)}${info.dirty ? '.dirty' : ''}` : packageVersion;
  return cached;
}
