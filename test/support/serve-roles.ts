/** `cardiac-uq serve --role <role>` as a real child process (serve-process.ts starts role all only). */
import { spawnCli } from './serve-process';

export interface RoleProcess {
  child: ReturnType<typeof spawnCli>['child'];
  output(): string;
  exited: Promise<number | null>;
  graphqlUrl?: string;
}

export async function startRole(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string>,
  timeoutMs = 60000,
): Promise<RoleProcess> {
  const proc = spawnCli(['serve', '--role', role], { CARDIAC_UQ_PORT: '0', ...env });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = proc.output();
    // stdout (the URL) and stderr ("ready") arrive on separate pipes, in either order.
    const url = /GraphQL:\s+(\S+)\n/.exec(out)?.[1];
    if (/ready;/.test(out) && (role === 'worker' || url)) return { ...proc, graphqlUrl: url };
    if (proc.child.exitCode !== null) throw new Error(`serve --role ${role} exited early:\n${out}`);
    if (Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`serve --role ${role} did not start in time:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopProcess(
  proc: { child: RoleProcess['child']; exited: Promise<number | null> },
  graceMs = 15000,
): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}
