#!/usr/bin/env node
// Runs the compiled build (dist/, made by `npm ci` or `npm run build`) while it is newer than every
// source file; otherwise (a source edited since, or no build) the TypeScript sources through tsx,
// saying so on a terminal. CARDIAC_UQ_FROM_SOURCES=1 always runs the sources.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const ms = entry.isDirectory() ? newestSourceMs(full) : fs.statSync(full).mtimeMs;
    if (ms > newest) newest = ms;
  }
  return newest;
}

function buildIsCurrent() {
  if (process.env.CARDIAC_UQ_FROM_SOURCES === '1') return false;
  let builtMs;
  try {
    builtMs = fs.statSync(stamp).mtimeMs;
  } catch {
    return false;
  }
  if (newestSourceMs(path.join(root, 'src')) <= builtMs) return true;
  if (process.stderr.isTTY) {
    console.error(
      '[cardiac-uq] sources changed since the last build: running them through tsx (npm run build compiles them)',
    );
  }
  return false;
}

if (buildIsCurrent()) {
  require('../dist/cli/main.js');
} else {
  // The project's tsconfig (decorators on) is named explicitly: tsx would otherwise look in the cwd.
  process.env.TSX_TSCONFIG_PATH ??= path.join(root, 'tsconfig.json');
  require('tsx/cjs/api').register();
  require('../src/cli/main.ts');
}
