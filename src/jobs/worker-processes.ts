/**
 * Supervised worker processes: `cardiac-uq serve --role worker` children on the parent's database
 * (its DATABASE_URL, embedded or external), so that training and evaluation never run on the
 * API's event loop (docs/design.md "Processes and roles").
 *
 * A child that dies unexpectedly is started again after a backoff (1 s, doubling to 30 s; back to
 * 1 s once a child has lived a minute). The children get an IPC channel: a supervised worker
 * ignores the terminal's SIGINT (Ctrl-C reaches the whole process group; the supervisor decides)
 * and stops gracefully when the channel closes, i.e. when its supervisor died. `stop()` sends
 * SIGTERM (jobs in hand get their few seconds) and waits; `kill()` is the second Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(__dirname, '../../bin/cardiac-uq.js');
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const STABLE_MS = 60_000;
/** A graceful worker stop takes pg-boss's 10 s plus its own closing; then it is killed. */
const STOP_GRACE_MS = 30_000;
/** Lines of a child's log worth repeating in the supervisor's. */
const WORTH_TELLING = /error|fail|cannot|warn|consuming|resum/i;

export interface WorkerProcesses {
  /** Pids of the children running now. */
  pids(): number[];
  /** SIGTERM to each child and wait for it (SIGKILL after 30 s); no restarts after. */
  stop(): Promise<void>;
  /** SIGKILL to each child at once; no restarts after. */
  kill(): void;
}

export function superviseWorkers(options: {
  count: number;
  /** The environment of the children (the parent's, usually); DATABASE_URL and data folder are set from the next two. */
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  dataDir: string;
  log: (message: string) => void;
  /** How the children are named in the log ("worker" → "worker 1"). */
  name?: string;
}): WorkerProcesses {
  const env = {
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    CARDIAC_UQ_DATA_DIR: options.dataDir,
    CARDIAC_UQ_AUTOSTUDY: '0',
  };
  const name = options.name ?? 'worker';
  const children = new Set<ChildProcess>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  const start = (slot: number, backoffMs: number) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [BIN, 'serve', '--role', 'worker'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    children.add(child);
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (WORTH_TELLING.test(line))
          options.log(`${name} ${slot} (pid ${child.pid}): ${line.replace(/^\[cardiac-uq\] /, '').trim()}`);
    });
    // A child that fails to spawn also emits 'exit' (or 'close'); the restart below covers both.
    child.on('error', (error) => options.log(`${name} ${slot}: ${error.message}`));
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (stopping) return;
      const next = Date.now() - startedAt > STABLE_MS ? FIRST_BACKOFF_MS : backoffMs;
      options.log(
        `${name} ${slot} (pid ${child.pid}) exited (${signal ?? `code ${code}`}); restarting in ${(next / 1000).toFixed(0)} s`,
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) start(slot, Math.min(MAX_BACKOFF_MS, next * 2));
      }, next);
      timers.add(timer);
    });
  };
  for (let slot = 1; slot <= options.count; slot++) start(slot, FIRST_BACKOFF_MS);

  const halt = () => {
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  return {
    pids: () => [...children].map((child) => child.pid).filter((pid): pid is number => pid !== undefined),
    async stop() {
      halt();
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
    kill() {
      halt();
      for (const child of children) child.kill('SIGKILL');
    },
  };
}
