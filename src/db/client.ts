/** The Prisma client over the pg driver adapter (no Rust query engine; docs/design.md "Store"). */
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

export function createStore(databaseUrl: string, options: StoreOptions = {}): Store {
  return new PrismaClient({
    adapter: createPgAdapter(databaseUrl, { max: options.max ?? 10 }),
    transactionOptions: options.transactionOptions,
  });
}
