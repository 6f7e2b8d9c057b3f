/** Runs `cardiac-uq serve` as a real child process and reads what it prints. */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve(__dirname, '../../bin/cardiac-uq.js');

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  graphqlUrl: string;
  exited: Promise<number | null>;
}

export function spawnCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function startServe(env: Record<string, string>, timeoutMs = 60000): Promise<ServeProcess> {
  const proc = spawnCli(['serve'], { CARDIAC_UQ_PORT: '0', ...env });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /GraphQL:\s+(\S+)/.exec(proc.output());
    if (match && /ready/.test(proc.output())) return { ...proc, graphqlUrl: match[1] };
    if (proc.child.exitCode !== null) throw new Error(`serve exited early:\n${proc.output()}`);
    if (Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`serve did not start in time:\n${proc.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function gqlAt<T = any>(url: string, query: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}
