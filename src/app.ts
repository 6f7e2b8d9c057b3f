/**
 * Starts the platform by role: database (embedded or external, migrated), pg-boss with its
 * queues, then the API (`api`), a worker consuming the queues in this process (`worker`), or the
 * API with a supervised `serve --role worker` child on the same database (`all`), so that no job
 * runs on the API's event loop (docs/design.md "Processes and roles"). `close()` stops them in
 * reverse order.
 */
import os from 'node:os';
import type { Config, Role } from './config';
import { createStore, type Store } from './db/client';
import { openDatabase } from './db/database';
import { startBoss, type Boss } from './jobs/queues';
import { startWorker } from './jobs/worker';
import { superviseWorkers, type WorkerProcesses } from './jobs/worker-processes';
import { buildApiSchema } from './resolvers';
import { argumentChecks } from './server/argument-checks';
import { AuthGate, assertSafeBinding, mutationsNeedRole, principalOf, type Principal } from './server/auth';
import { inferenceDownloads } from './server/downloads';
import { uploadRoutes } from './server/uploads';
import { sweepUploads } from './services/uploads';
import { startHttpServer, type Readiness } from './server/http';
import { startSubscriptions } from './server/subscriptions';
import { responseCache } from './server/response-cache';
import { StoreChanges } from './server/store-changes';
import {
  bodyErrorHandler,
  complexityPlugin,
  limitValidationRules,
  rateLimiter,
  withIdleTransactionTimeout,
  withStatementTimeout,
} from './server/limits';

export interface Platform {
  role: Role;
  database: string;
  /** The store's connection URL (embedded or DATABASE_URL), for helpers such as the study's extra workers. */
  databaseUrl: string;
  /** The platform's store (no statement timeout) and queue, for services run in this process (the study). */
  store: Store;
  boss: Boss;
  /** The TensorFlow.js backend work here uses. */
  backend: string;
  graphqlUrl?: string;
  url?: string;
  /** The queues this process consumes (role worker). */
  workerQueues: string[];
  /** The supervised worker children (role all). */
  workers?: WorkerProcesses;
  close(): Promise<void>;
  /** The second Ctrl-C: worker children killed at once (the caller then exits). */
  kill(): void;
}

const PROBE_MS = 2000;
/** Scheduling priority of worker processes (Unix nice). */
const WORKER_NICE = 10;
/** How often the API removes expired uploads and finished import folders (src/services/uploads.ts). */
const UPLOAD_SWEEP_MS = 60_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_MS} ms`)), PROBE_MS)),
  );
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const firstLine = (error: unknown) =>
  String((error as Error)?.message ?? error)
    .trim()
    .split('\n')
    .pop()!
    .trim();

/** The backend a worker here picks without CARDIAC_UQ_BACKEND, found without loading TensorFlow. */
function automaticBackend(): string {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
      return 'tensorflow';
    } catch {
      // not installed: next
    }
  }
  return 'wasm';
}

/**
 * `env` is what the worker children of role `all` inherit (the environment `config` was read
 * from); the parent's DATABASE_URL and data folder are set on top of it.
 */
export async function startPlatform(
  config: Config,
  role: Role,
  log: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Platform> {
  const closers: Array<() => Promise<void>> = [];
  let closing = false;
  const close = async () => {
    closing = true;
    for (const closer of closers.reverse()) await closer().catch((error: Error) => log(`shutdown: ${error.message}`));
    closers.length = 0;
  };
  try {
    const database = await openDatabase(config, log);
    closers.push(() => database.close());
    // A frozen process's open transaction is ended once its jobs' heartbeat would be (job-policy.ts).
    const storeUrl = withIdleTransactionTimeout(database.url, (config.jobs.heartbeatSeconds || 300) * 1000);
    const store = createStore(storeUrl);
    closers.push(() => store.$disconnect());
    // Before anything else starts: refuse a public address without keys; say how callers are authenticated.
    if (role !== 'worker') log(await assertSafeBinding(store, config.host));
    // pg-boss's pool reports the connections the database ends at shutdown: expected then, not news.
    const boss = await startBoss(database.url, {
      onError: (error) => closing || log(`pg-boss: ${error.message}`),
      jobs: config.jobs,
    });
    closers.push(() => boss.stop({ graceful: true, timeout: 10000 }));
    const backend = config.backend ?? automaticBackend();

    let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
    let workers: WorkerProcesses | undefined;
    if (role !== 'worker') {
      // The API's own pool: its statements time out; workers' long writes keep no such limit.
      const apiStore = createStore(withStatementTimeout(storeUrl, config.limits.queryTimeoutMs));
      closers.push(() => apiStore.$disconnect());
      const gate = new AuthGate(apiStore, {
        host: config.host,
        localActor: config.actor,
        corsOrigins: config.corsOrigins,
        failureLimit: config.limits.authFailuresPerMinute,
        onError: (error) => log(`audit of failed authentications: ${error.message}`),
      });
      // Closed before the store it writes the last window's failure counts to.
      closers.push(() => gate.close());
      const schema = await buildApiSchema();
      // Heard only for the response cache: with it off, no listening connection.
      const changes = config.responseCacheBytes > 0 ? new StoreChanges(database.url, log) : undefined;
      if (changes) {
        await changes.start();
        closers.push(() => changes.close());
      }
      const readiness = async (): Promise<Readiness> => {
        if (!database.available()) return { ready: false, reason: 'database: restarting', database: 'restarting' };
        try {
          await within(apiStore.$queryRaw`SELECT 1`, 'the database');
        } catch (error) {
          return { ready: false, reason: `database: ${firstLine(error)}`, database: 'unavailable' };
        }
        try {
          await within(boss.getDb().executeSql('SELECT 1 FROM pgboss.queue LIMIT 1'), 'the queues');
        } catch (error) {
          return { ready: false, reason: `queues: ${firstLine(error)}`, database: 'ok', queues: 'unavailable' };
        }
        return { ready: true, database: 'ok', queues: 'ok', workers: workers?.pids() ?? [] };
      };
      const contextOf = ({ actor, role }: Principal) => ({
        store: apiStore,
        boss,
        config,
        backend,
        databaseDescription: database.description,
        actor,
        role,
      });
      http = await startHttpServer({
        schema,
        host: config.host,
        port: config.port,
        corsOrigins: config.corsOrigins,
        guards: [gate.middleware(), rateLimiter(config.limits)],
        errorHandler: bodyErrorHandler,
        validationRules: limitValidationRules(config.limits),
        // Arguments are checked (variables coerced) before complexity is estimated from them.
        plugins: [
          mutationsNeedRole,
          argumentChecks,
          complexityPlugin(schema, config.limits),
          ...(changes ? responseCache(changes, config.responseCacheBytes) : []),
        ],
        readiness,
        databaseAvailable: () => database.available(),
        context: async ({ res }) => contextOf(principalOf(res, config.actor)),
        files: inferenceDownloads(apiStore),
        uploads: uploadRoutes({ dir: config.uploads.dir, maxBytes: config.uploads.maxBytes, localActor: config.actor }),
        subscriptions: (httpServer) =>
          startSubscriptions({
            httpServer,
            schema,
            limits: config.limits,
            authenticate: (request, authorization) => gate.authenticateUpgrade(request, authorization),
            context: contextOf,
          }),
      });
      closers.push(() => http!.close());
      // Staged uploads nobody imported, and import folders whose run is over, are removed.
      const sweep = setInterval(() => {
        sweepUploads(apiStore, config.uploads.dir, config.uploads.ttlSeconds).catch(
          (error: Error) => closing || log(`upload sweep: ${error.message}`),
        );
      }, UPLOAD_SWEEP_MS);
      sweep.unref();
      closers.push(async () => clearInterval(sweep));
    }
    let workerQueues: string[] = [];
    if (role === 'worker') {
      // Training saturates a core; on a machine shared with the API, the API's answers come first.
      try {
        os.setPriority(Math.max(os.getPriority(), WORKER_NICE));
      } catch {
        // not permitted here: same priority as the API
      }
      const worker = await startWorker({ boss, store, config, backend });
      workerQueues = worker.queues;
      closers.push(() => worker.stop());
    }
    if (role === 'all') {
      // Stopped first (closers run in reverse): their jobs in hand get their seconds while the
      // database they write to is still up.
      const children = superviseWorkers({ count: 1, env, databaseUrl: database.url, dataDir: config.dataDir, log });
      workers = children;
      closers.push(() => children.stop());
    }
    return {
      role,
      database: database.description,
      databaseUrl: database.url,
      store,
      boss,
      backend,
      graphqlUrl: http?.graphqlUrl,
      url: http?.url,
      workerQueues,
      workers,
      close,
      kill: () => workers?.kill(),
    };
  } catch (error) {
    await close();
    throw error;
  }
}
