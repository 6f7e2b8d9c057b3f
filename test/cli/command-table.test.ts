/** The on-demand command table (src/cli/command-table.ts) names each command as its module registers it. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { COMMANDS } from '../../src/cli/command-table';

test.each(Object.keys(COMMANDS))('the module of %s registers exactly that command', (name) => {
  const program = new Command('cardiac-uq');
  COMMANDS[name]().register(program);
  expect(program.commands.map((c) => c.name())).toEqual([name]);
});

test('every module under src/cli/commands is in the table', () => {
  const files = fs.readdirSync(path.join(__dirname, '../../src/cli/commands')).map((f) => f.replace(/\.ts$/, ''));
  expect(files.sort()).toEqual(Object.keys(COMMANDS).sort());
});
