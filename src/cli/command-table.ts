/**
 * The `cardiac-uq` subcommands by name, each module loaded on demand: a run loads only the module
 * of the command it names (and what that imports), so `metrics` never loads TensorFlow.js and
 * `--version` loads none. Help without a command loads them all to list them.
 */
import type { Command } from 'commander';
import type * as Audit from './commands/audit';
import type * as Biomarkers from './commands/biomarkers';
import type * as Export from './commands/export';
import type * as Keys from './commands/keys';
import type * as Metrics from './commands/metrics';
import type * as Predict from './commands/predict';
import type * as Phantom from './commands/phantom';
import type * as Policy from './commands/policy';
import type * as Qc from './commands/qc';
import type * as Report from './commands/report';
import type * as Runs from './commands/runs';
import type * as Segment from './commands/segment';
import type * as Serve from './commands/serve';
import type * as Study from './commands/study';
import type * as Train from './commands/train';
import type * as Uncertainty from './commands/uncertainty';

type CommandModule = { register(program: Command): void };

/** Keys are the command names (test/cli/command-table.test.ts checks them against each module). */
export const COMMANDS: Record<string, () => CommandModule> = {
  serve: (): typeof Serve => require('./commands/serve'),
  runs: (): typeof Runs => require('./commands/runs'),
  metrics: (): typeof Metrics => require('./commands/metrics'),
  biomarkers: (): typeof Biomarkers => require('./commands/biomarkers'),
  uncertainty: (): typeof Uncertainty => require('./commands/uncertainty'),
  qc: (): typeof Qc => require('./commands/qc'),
  policy: (): typeof Policy => require('./commands/policy'),
  train: (): typeof Train => require('./commands/train'),
  predict: (): typeof Predict => require('./commands/predict'),
  segment: (): typeof Segment => require('./commands/segment'),
  phantom: (): typeof Phantom => require('./commands/phantom'),
  study: (): typeof Study => require('./commands/study'),
  report: (): typeof Report => require('./commands/report'),
  keys: (): typeof Keys => require('./commands/keys'),
  audit: (): typeof Audit => require('./commands/audit'),
  export: (): typeof Export => require('./commands/export'),
};
