#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no build step. The
// project's tsconfig (decorators on) is named explicitly: tsx would otherwise look in the cwd.
const path = require('node:path');
process.env.TSX_TSCONFIG_PATH ??= path.join(__dirname, '..', 'tsconfig.json');
require('tsx/cjs/api').register();
require('../src/cli/main.ts');
