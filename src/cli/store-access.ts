/**
 * For commands that work on the results store directly (keys, audit): opens the database the
 * server would (DATABASE_URL, or the embedded one in CARDIAC_UQ_DATA_DIR, migrated), runs `work`
 * and closes it. The embedded database has one owner at a time: while `serve` runs on it, these
 * commands are refused with the owner's pid (stop it, or use DATABASE_URL).
 */
import { loadConfig } from '../config';
import type { Config } from '../config';
import type { Store } from '../db/client';
import { loadDatabase } from './lazy';

export async function withStore<T>(work: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { openDatabase, createStore } = loadDatabase();
  const database = await openDatabase(config);
  const store = createStore(database.url);
  try {
    return await work(store, config);
  } finally {
    await store.$disconnect();
    await database.close();
  }
}
