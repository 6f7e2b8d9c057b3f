/**
 * The Prisma client over the pg driver adapter (no Rust query engine; docs/design.md "Store"). The
 * adapter runs on a pg pool of our own, which `poolOf` hands to the few hot paths that speak SQL
 * to pg directly (the shard writer: a statement through Prisma costs several times a pg round trip).
 */
import pg from 'pg';
import { PrismaClient } from './generated/client';
import { createPgAdapter } from './pg-adapter';

export type Store = PrismaClient;
export * as StoreTypes from './generated/client';

export interface StoreOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Defaults for interactive transactions (Prisma's own: 2 s wait, 5 s run). */
  transactionOptions?: { maxWait: number; timeout: number };
}

const pools = new WeakMap<Store, pg.Pool>();

export function createStore(databaseUrl: string, options: StoreOptions = {}): Store {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  const store = new PrismaClient({
    adapter: createPgAdapter(pool),
    transactionOptions: options.transactionOptions,
  });
  pools.set(store, pool);
  return store;
}

/** The pg pool under a store made by createStore (the same connections Prisma uses; ended by $disconnect). */
export function poolOf(store: Store): pg.Pool {
  const pool = pools.get(store);
  if (!pool) throw new Error('this store was not made by createStore: it has no pg pool to write through');
  return pool;
}
