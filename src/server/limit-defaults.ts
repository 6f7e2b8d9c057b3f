/** The API's request limits and their defaults (no dependencies: config.ts reads them). See ./limits.ts. */
export interface ApiLimits {
  maxDepth: number;
  maxAliases: number;
  maxComplexity: number;
  /** Largest result sent, as JSON bytes (src/server/response-size.ts). */
  maxResponseBytes: number;
  /** Field nodes evaluated per operation, fragments expanded. */
  maxFields: number;
  /** Requests per minute per key; 0 switches rate limiting off. */
  ratePerMinute: number;
  /** Failed authentications per client address and minute before it is answered 429 (src/server/auth-failures.ts); 0 switches it off. */
  authFailuresPerMinute: number;
  /** Postgres statement_timeout for the API's connections, ms; 0 switches it off. */
  queryTimeoutMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = Object.freeze({
  maxDepth: 12,
  maxAliases: 40,
  maxComplexity: 50000,
  maxResponseBytes: 32 * 1024 * 1024,
  maxFields: 2000,
  ratePerMinute: 1200,
  authFailuresPerMinute: 30,
  queryTimeoutMs: 30000,
});
