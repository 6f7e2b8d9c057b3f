// Compiles src/ into dist/ (tsc with tsconfig.build.json), copies the plain JavaScript entry files
// tsc does not emit, and records the commit the build came from (dist/build-info.json, read by
// src/version.ts). Runs after `npm ci` (postinstall) and as `npm run build`; bin/cardiac-uq.js
// runs dist/ while it is newer than every source file, else the sources through tsx.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

execFileSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);

for (const entry of fs.readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
  const from = path.join(entry.parentPath, entry.name);
  const to = path.join(dist, path.relative(src, from));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

function git(...args) {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}
let info = { commit: null, dirty: false };
try {
  info = { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
} catch {
  // Not a git checkout (an installed tarball): the code version is the package version.
}
fs.writeFileSync(
  path.join(dist, 'build-info.json'),
  `${JSON.stringify({ ...info, builtAt: new Date().toISOString() })}\n`,
);
// Written last: bin/cardiac-uq.js trusts dist/ only when this stamp is newer than every source.
fs.writeFileSync(path.join(dist, '.build-stamp'), '');
console.log(
  `[cardiac-uq] compiled src/ into dist/${info.commit ? ` (${info.commit.slice(0, 12)}${info.dirty ? ', uncommitted changes' : ''})` : ''}`,
);
