/**
 * The CLI's lazy boundary: the platform (Prisma, Apollo, pg-boss, TensorFlow.js) and the report
 * load only when a command needs them, so `--help` and the file commands start without them. The
 * types are imported statically, so tsc sees the whole graph; the loading itself is a `require`
 * because the tsx CommonJS hook that runs the CLI (bin/cardiac-uq.js) does not resolve `import()`
 * of TypeScript files (Node's ESM loader takes those and cannot find `./x` without `.ts`).
 */
import type * as App from '../app';
import type * as Database from '../db/database';
import type * as Client from '../db/client';
import type * as Queues from '../jobs/queues';
import type * as Report from '../report';
import type * as Auth from '../server/auth';
import type * as Foreground from '../services/study/foreground';
import type * as StoredBiomarkers from './stored-biomarkers';

export const loadApp = (): typeof App => require('../app');
export const loadDatabase = (): typeof Database & typeof Client => ({
  ...require('../db/database'),
  ...require('../db/client'),
});
export const loadQueues = (): typeof Queues => require('../jobs/queues');
export const loadReport = (): typeof Report => require('../report');
export const loadAuth = (): typeof Auth => require('../server/auth');
export const loadStudyService = (): typeof Foreground => require('../services/study/foreground');
export const loadStoredBiomarkers = (): typeof StoredBiomarkers => require('./stored-biomarkers');
