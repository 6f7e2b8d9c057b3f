/**
 * The `cardiac-uq` command: one subcommand per file in ./commands, registered here.
 * Exit codes: 0 success, 1 runtime failure, 2 bad input (usage, unreadable or invalid files).
 */
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { version } from '../../package.json';
import { InvalidInputError } from '../engine/errors';
import * as audit from './commands/audit';
import * as biomarkers from './commands/biomarkers';
import * as keys from './commands/keys';
import * as metrics from './commands/metrics';
import * as predict from './commands/predict';
import * as phantom from './commands/phantom';
import * as policy from './commands/policy';
import * as qc from './commands/qc';
import * as report from './commands/report';
import * as runs from './commands/runs';
import * as segment from './commands/segment';
import * as serve from './commands/serve';
import * as study from './commands/study';
import * as train from './commands/train';
import * as uncertainty from './commands/uncertainty';

const program = new Command('cardiac-uq')
  .description('Uncertainty benchmark for cardiac MRI segmentation networks')
  .version(version)
  // Usage errors (unknown option, missing argument) exit 2 like other bad input; set before the
  // subcommands are created so they inherit it.
  .exitOverride()
  .showHelpAfterError('(add --help for usage)');

// Subcommands register themselves: `register(program)` from each module under ./commands.
const commandModules: Array<{ register(program: Command): void }> = [
  serve,
  runs,
  metrics,
  biomarkers,
  uncertainty,
  qc,
  policy,
  train,
  predict,
  segment,
  phantom,
  study,
  report,
  keys,
  audit,
];
for (const m of commandModules) m.register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help/version) already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  console.error(`cardiac-uq: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = error instanceof InvalidInputError ? 2 : 1;
});
