/** Runs `node bin/cardiac-uq.js …` as a user would, in folder `cwd`; exit code, stdout and stderr. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const bin = join(__dirname, '..', '..', 'bin', 'cardiac-uq.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(cwd: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('node', [bin, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}
