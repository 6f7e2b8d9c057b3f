/** The Prisma client over the pg driver adapter (no Rust query engine; docs/design.md "Store"). */
import { PrismaClient } from './generated/client';
import { createPgAdapter } from './pg-adapter';

export type Store = PrismaClient;
export * as StoreTypes from './generated/client';

export function createStore(databaseUrl: string): Store {
  return new PrismaClient({ adapter: createPgAdapter(databaseUrl, { max: 10 }) });
}
