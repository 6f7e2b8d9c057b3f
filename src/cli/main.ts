/**
 * The `cardiac-uq` command: one subcommand per file in ./commands, registered here on demand.
 * Exit codes: 0 success, 1 runtime failure, 2 bad input (usage, unreadable or invalid files).
 */
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../version';
import { InvalidInputError } from '../engine/errors';
import { COMMANDS } from './command-table';

const program = new Command('cardiac-uq')
  .description('Uncertainty benchmark for cardiac MRI segmentation networks')
  .version(packageVersion)
  // Usage errors (unknown option, missing argument) exit 2 like other bad input; set before the
  // subcommands are created so they inherit it.
  .exitOverride()
  .showHelpAfterError('(add --help for usage)');

const named = process.argv[2];
const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
// `--version` needs no command module at all.
if (named !== '--version' && named !== '-V') for (const name of wanted) COMMANDS[name]().register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help/version) already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  console.error(`cardiac-uq: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = error instanceof InvalidInputError ? 2 : 1;
});
