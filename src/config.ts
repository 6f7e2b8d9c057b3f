/**
 * Runtime configuration from the environment (documented in README "Configuration").
 * Validated once here with zod; everything else receives a typed Config.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { version } from '../package.json';

const EnvSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  CARDIAC_UQ_DATA_DIR: z.string().default('.cardiac-uq'),
  CARDIAC_UQ_HOST: z.string().default('127.0.0.1'),
  CARDIAC_UQ_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  CARDIAC_UQ_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  CARDIAC_UQ_BACKEND: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
  CARDIAC_UQ_ACTOR: z.string().min(1).optional(),
  CARDIAC_UQ_CORS_ORIGINS: z.string().optional(),
  CARDIAC_UQ_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  CARDIAC_UQ_IMPORT_ROOT: z.string().optional(),
});

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  version: string;
  databaseUrl?: string;
  dataDir: string;
  host: string;
  port: number;
  embeddedPgPort?: number;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  /** Who started work from this process when no API key names someone (the OS user). */
  actor: string;
  corsOrigins: string[];
  workerConcurrency: number;
  /** Server-side folder under which `importDataset` paths must lie. */
  importRoot: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set" (e.g. `DATABASE_URL= npm start`).
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    version,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.CARDIAC_UQ_DATA_DIR),
    host: e.CARDIAC_UQ_HOST,
    port: e.CARDIAC_UQ_PORT,
    embeddedPgPort: e.CARDIAC_UQ_PG_PORT,
    backend: e.CARDIAC_UQ_BACKEND,
    actor: e.CARDIAC_UQ_ACTOR ?? `${os.userInfo().username}@${os.hostname()}`,
    corsOrigins: e.CARDIAC_UQ_CORS_ORIGINS ? e.CARDIAC_UQ_CORS_ORIGINS.split(',').map((s) => s.trim()) : [],
    workerConcurrency: e.CARDIAC_UQ_WORKER_CONCURRENCY,
    importRoot: path.resolve(e.CARDIAC_UQ_IMPORT_ROOT ?? path.join(e.CARDIAC_UQ_DATA_DIR, 'import')),
  };
}
