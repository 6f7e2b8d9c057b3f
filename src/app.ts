/**
 * Starts the platform in one process: database (embedded or external, migrated), pg-boss with its
 * queues, and the API and/or a worker by role. `close()` stops them in reverse order.
 */
import type { Config, Role } from './config';
import { createStore, type Store } from './db/client';
import { openDatabase } from './db/database';
import { startBoss, type Boss } from './jobs/queues';
import { startWorker } from './jobs/worker';
import { buildApiSchema } from './resolvers';
import { argumentChecks } from './server/argument-checks';
import { AuthGate, assertSafeBinding, mutationsNeedOperator, principalOf } from './server/auth';
import { startHttpServer } from './server/http';
import { bodyErrorHandler, complexityPlugin, limitValidationRules, rateLimiter, withIdleTransactionTimeout, withStatementTimeout } from './server/limits';

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
  workerQueues: string[];
  close(): Promise<void>;
}

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

export async function startPlatform(config: Config, role: Role, log: (message: string) => void): Promise<Platform> {
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
    const boss = await startBoss(database.url, { onError: (error) => closing || log(`pg-boss: ${error.message}`), jobs: config.jobs });
    closers.push(() => boss.stop({ graceful: true, timeout: 10000 }));
    const backend = config.backend ?? automaticBackend();

    let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
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
      http = await startHttpServer({
        schema,
        host: config.host,
        port: config.port,
        corsOrigins: config.corsOrigins,
        guards: [gate.middleware(), rateLimiter(config.limits)],
        errorHandler: bodyErrorHandler,
        validationRules: limitValidationRules(config.limits),
        // Arguments are checked (variables coerced) before complexity is estimated from them.
        plugins: [mutationsNeedOperator, argumentChecks, complexityPlugin(schema, config.limits)],
        context: async ({ res }) => {
          const { actor, role } = principalOf(res, config.actor);
          return { store: apiStore, boss, config, backend, databaseDescription: database.description, actor, role };
        },
      });
      closers.push(() => http!.close());
    }
    let workerQueues: string[] = [];
    if (role !== 'api') {
      const worker = await startWorker({ boss, store, config, backend });
      workerQueues = worker.queues;
      closers.push(() => worker.stop());
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
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
