/**
 * Runtime configuration from the environment (documented in README "Configuration").
 * Validated once here with zod; everything else receives a typed Config.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_JOB_POLICY, type JobPolicy } from './jobs/job-policy';
import { DEFAULT_LIMITS, type ApiLimits } from './server/limit-defaults';
import { codeVersion, packageVersion } from './version';

/** The largest file POST /uploads takes by default: 512 MiB, a few 4-D cines. */
const DEFAULT_MAX_UPLOAD_BYTES = 512 * 2 ** 20;

/** Memory for cached answers (src/server/response-cache.ts): a few thousand dashboard answers. */
const DEFAULT_RESPONSE_CACHE_MB = 64;

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
  CARDIAC_UQ_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(DEFAULT_MAX_UPLOAD_BYTES),
  CARDIAC_UQ_UPLOAD_TTL_SECONDS: z.coerce.number().int().min(1).default(3600),
  CARDIAC_UQ_MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxDepth),
  CARDIAC_UQ_MAX_ALIASES: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.maxAliases),
  CARDIAC_UQ_MAX_COMPLEXITY: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxComplexity),
  CARDIAC_UQ_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxResponseBytes),
  CARDIAC_UQ_RATE_LIMIT: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.ratePerMinute),
  CARDIAC_UQ_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.authFailuresPerMinute),
  CARDIAC_UQ_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.queryTimeoutMs),
  CARDIAC_UQ_RESPONSE_CACHE_MB: z.coerce.number().min(0).default(DEFAULT_RESPONSE_CACHE_MB),
  CARDIAC_UQ_JOB_HEARTBEAT_SECONDS: z.coerce
    .number()
    .int()
    .refine((s) => s === 0 || s >= 10, '0 (off) or at least 10')
    .default(DEFAULT_JOB_POLICY.heartbeatSeconds),
  CARDIAC_UQ_JOB_EXPIRE_SECONDS: z.coerce.number().int().min(1).optional(),
  CARDIAC_UQ_JOB_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).default(DEFAULT_JOB_POLICY.retryDelaySeconds),
  CARDIAC_UQ_JOB_SUPERVISE_SECONDS: z.coerce.number().int().min(1).default(DEFAULT_JOB_POLICY.superviseSeconds),
});

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  /** The package version (serverInfo.version). */
  version: string;
  /** Recorded on every run as its provenance: version plus commit (src/version.ts). */
  codeVersion: string;
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
  /** Files sent to POST /uploads (src/server/uploads.ts): staged under `dir`, each at most `maxBytes`, kept `ttlSeconds` unimported. */
  uploads: { dir: string; maxBytes: number; ttlSeconds: number };
  /** What one API request may cost (src/server/limits.ts). */
  limits: ApiLimits;
  /** JSON bytes of answers the API keeps to serve again until the store changes (src/server/response-cache.ts); 0 switches it off. */
  responseCacheBytes: number;
  /** pg-boss heartbeat, expiry and retry timing (src/jobs/job-policy.ts). */
  jobs: JobPolicy;
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
    version: packageVersion,
    codeVersion: codeVersion(),
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
    uploads: {
      dir: path.resolve(e.CARDIAC_UQ_DATA_DIR, 'uploads'),
      maxBytes: e.CARDIAC_UQ_MAX_UPLOAD_BYTES,
      ttlSeconds: e.CARDIAC_UQ_UPLOAD_TTL_SECONDS,
    },
    limits: {
      ...DEFAULT_LIMITS,
      maxDepth: e.CARDIAC_UQ_MAX_QUERY_DEPTH,
      maxAliases: e.CARDIAC_UQ_MAX_ALIASES,
      maxComplexity: e.CARDIAC_UQ_MAX_COMPLEXITY,
      maxResponseBytes: e.CARDIAC_UQ_MAX_RESPONSE_BYTES,
      ratePerMinute: e.CARDIAC_UQ_RATE_LIMIT,
      authFailuresPerMinute: e.CARDIAC_UQ_AUTH_FAILURE_LIMIT,
      queryTimeoutMs: e.CARDIAC_UQ_QUERY_TIMEOUT_MS,
    },
    responseCacheBytes: Math.round(e.CARDIAC_UQ_RESPONSE_CACHE_MB * 2 ** 20),
    jobs: {
      heartbeatSeconds: e.CARDIAC_UQ_JOB_HEARTBEAT_SECONDS,
      expireSeconds: e.CARDIAC_UQ_JOB_EXPIRE_SECONDS,
      retryDelaySeconds: e.CARDIAC_UQ_JOB_RETRY_DELAY_SECONDS,
      superviseSeconds: e.CARDIAC_UQ_JOB_SUPERVISE_SECONDS,
    },
  };
}
