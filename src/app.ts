/**
 * Starts the platform in one process: database (embedded or external, migrated), pg-boss with its
 * queues, and the API and/or a worker by role. `close()` stops them in reverse order.
 */
import type { Config, Role } from './config';
import { createStore } from './db/client';
import { openDatabase } from './db/database';
import { startBoss } from './jobs/queues';
import { startWorker } from './jobs/worker';
import { buildApiSchema } from './resolvers';
import { startHttpServer } from './server/http';

export interface Platform {
  role: Role;
  database: string;
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
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error: Error) => log(`shutdown: ${error.message}`));
    closers.length = 0;
  };
  try {
    const database = await openDatabase(config, log);
    closers.push(() => database.close());
    const boss = await startBoss(database.url, { onError: (error) => log(`pg-boss: ${error.message}`) });
    closers.push(() => boss.stop({ graceful: true, timeout: 10000 }));
    const store = createStore(database.url);
    closers.push(() => store.$disconnect());
    const backend = config.backend ?? automaticBackend();

    let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
    if (role !== 'worker') {
      const schema = await buildApiSchema();
      http = await startHttpServer({
        schema,
        host: config.host,
        port: config.port,
        corsOrigins: config.corsOrigins,
        context: async () => ({ store, boss, config, backend, databaseDescription: database.description, actor: config.actor }),
      });
      closers.push(() => http!.close());
    }
    let workerQueues: string[] = [];
    if (role !== 'api') {
      const worker = await startWorker({ boss, store, config, backend });
      workerQueues = worker.queues;
      closers.push(() => worker.stop());
    }
    return { role, database: database.description, graphqlUrl: http?.graphqlUrl, url: http?.url, workerQueues, close };
  } catch (error) {
    await close();
    throw error;
  }
}
