/**
 * Prisma CLI configuration. Prisma 6.19 with the JS schema engine and the pg driver adapter, so
 * every CLI command works offline (docs/design.md "Store").
 */
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { createPgAdapter } from './src/db/pg-adapter';

// The schema reads env("DATABASE_URL"); `prisma generate` needs no database, so give it a default.
process.env.DATABASE_URL ??= 'postgresql://127.0.0.1:5432/postgres';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  // The CLI never closes its pool; a short idle timeout lets `migrate deploy` exit at once.
  adapter: async () =>
    createPgAdapter(process.env.DATABASE_URL as string, { idleTimeoutMillis: 200, allowExitOnIdle: true }),
});
