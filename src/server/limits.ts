/**
 * Limits on what one request may cost, for the HTTP face (src/server/http.ts):
 *
 * - query depth and aliases: validation rules from GraphQL Armor (maintained, graphql 16);
 *   introspection's own nesting is not counted;
 * - cost and field count: `graphql-query-complexity` once the operation and its variables are
 *   known, priced by ./query-cost.ts (images by pixels, analytics by the rows they read, pages by
 *   their size, so nested pages multiply as the rows they would load do). At most `maxFields`
 *   field nodes are evaluated (fragments expanded), whatever their cost;
 * - response size: the result is measured as JSON before it is sent (./response-size.ts); one
 *   over `maxResponseBytes` is replaced by an error, never sent truncated;
 * - page sizes: PageArgs caps `first` at 500 (src/schema/connection.ts); the JSON body at 1 MB;
 * - request rate: per API key (per client address in single-user mode), in this API process's memory;
 *   failed authentications per client address, before the key is even looked at (./auth-failures.ts);
 * - time: a Postgres `statement_timeout` on the API's own connections (workers keep none), so
 *   a runaway query is cancelled by the database and answered as an error.
 *
 * Every refusal is a GraphQL error with a code: GRAPHQL_VALIDATION_FAILED (depth, aliases),
 * QUERY_TOO_COMPLEX (HTTP 400), RESPONSE_TOO_LARGE, RATE_LIMITED (HTTP 429).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { GraphQLError } from 'graphql';
import type { DocumentNode, GraphQLSchema, ValidationContext, ValidationRule } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import type { Principal } from './auth';
import { IMAGE_COST, PRICED_IMAGE_PIXELS, queryCostEstimator, ROW_PASS_COST } from './query-cost';
import { jsonSizeExceeds } from './response-size';

import { DEFAULT_LIMITS, type ApiLimits } from './limit-defaults';

export { DEFAULT_LIMITS, type ApiLimits } from './limit-defaults';

/** Armor prefixes its messages with "Syntax Error:"; these are limits, reported as validation errors. */
const report = [
  (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''))),
];

/** Depth and alias caps as validation rules (reported like any validation error, HTTP 400). */
export function limitValidationRules(limits: ApiLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: report }) as unknown as ValidationRule,
    maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: report,
    }) as unknown as ValidationRule,
  ];
}

const side = Math.sqrt(PRICED_IMAGE_PIXELS);
const COST_ADVICE =
  `images cost ${IMAGE_COST} each (${side}×${side} pixels / 1024) and analytics ${ROW_PASS_COST} per pass over an evaluation's rows: ` +
  'ask for fewer images per page (a smaller `first`, image fields only for the slices shown), fewer aliases or fewer analytics per request';

/** The price of an operation (./query-cost.ts); throws when it has more than `maxFields` field nodes. */
export function queryCost(
  schema: GraphQLSchema,
  query: DocumentNode,
  variables: Record<string, unknown>,
  operationName?: string,
  maxFields = DEFAULT_LIMITS.maxFields,
): number {
  return getComplexity({
    schema,
    query,
    variables,
    operationName,
    estimators: [queryCostEstimator],
    maxQueryNodes: maxFields,
  });
}

/** Throws QUERY_TOO_COMPLEX when the operation is over the caps (also used by ./subscriptions.ts). */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  limits: ApiLimits,
): void {
  let complexity: number;
  try {
    complexity = queryCost(schema, document, variables, operationName, limits.maxFields);
  } catch (error) {
    throw new GraphQLError(`query too large: ${(error as Error).message}`, {
      extensions: { code: 'QUERY_TOO_COMPLEX', maxFields: limits.maxFields, http: { status: 400 } },
    });
  }
  if (complexity > limits.maxComplexity) {
    throw new GraphQLError(`query cost ${complexity} exceeds the limit of ${limits.maxComplexity}: ${COST_ADVICE}`, {
      extensions: {
        code: 'QUERY_TOO_COMPLEX',
        complexity,
        maxComplexity: limits.maxComplexity,
        http: { status: 400 },
      },
    });
  }
}

export function complexityPlugin(schema: GraphQLSchema, limits: ApiLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          checkCost(schema, document, request.variables ?? {}, request.operationName ?? undefined, limits);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !jsonSizeExceeds(response.body.singleResult, limits.maxResponseBytes))
            return;
          response.body.singleResult = {
            errors: [
              {
                message: `response larger than the limit of ${limits.maxResponseBytes} bytes: ask for fewer images, smaller pages or fewer points (maxPoints)`,
                extensions: { code: 'RESPONSE_TOO_LARGE', maxResponseBytes: limits.maxResponseBytes },
              },
            ],
          };
        },
      };
    },
  };
}

/** Per-key rate limit; runs after the AuthGate, which put the Principal on `res.locals`. */
export function rateLimiter(limits: ApiLimits): RequestHandler {
  if (limits.ratePerMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60000,
    limit: limits.ratePerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req: Request, res: Response) => {
      const principal = res.locals.principal as Principal | undefined;
      return principal?.keyName ? `key:${principal.keyName}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (_req, res, _next, options) => {
      res.status(429).json({
        errors: [
          {
            message: `rate limit: at most ${options.limit} requests a minute per API key`,
            extensions: { code: 'RATE_LIMITED' },
          },
        ],
      });
    },
  });
}

/** The store URL with a Postgres setting for every connection made from it (libpq `options`). */
function withSetting(databaseUrl: string, name: string, value: number): string {
  if (value <= 0) return databaseUrl;
  const url = new URL(databaseUrl);
  const existing = url.searchParams.get('options');
  url.searchParams.set('options', `${existing ? `${existing} ` : ''}-c ${name}=${Math.round(value)}`);
  return url.toString();
}

export function withStatementTimeout(databaseUrl: string, timeoutMs: number): string {
  return withSetting(databaseUrl, 'statement_timeout', timeoutMs);
}

/**
 * Postgres ends a session that sits inside an open transaction longer than this: a frozen or
 * half-dead process (SIGSTOP, a paused VM) must not hold row locks, or the audit-chain lock, that
 * the retry of its job needs. Our transactions prepare their data first, so they never idle long.
 */
export function withIdleTransactionTimeout(databaseUrl: string, timeoutMs: number): string {
  return withSetting(databaseUrl, 'idle_in_transaction_session_timeout', timeoutMs);
}

/** JSON errors for what fails before GraphQL runs: a body over the limit, malformed JSON. */
export const bodyErrorHandler: ErrorRequestHandler = (
  error: { status?: number; type?: string; limit?: number },
  _req,
  res,
  next,
) => {
  if (res.headersSent) return next(error);
  const status = error.status ?? 500;
  const [code, message] =
    error.type === 'entity.too.large'
      ? ['PAYLOAD_TOO_LARGE', `request body larger than the limit of ${error.limit} bytes`]
      : error.type === 'entity.parse.failed'
        ? ['BAD_REQUEST', 'request body is not valid JSON']
        : status < 500
          ? ['BAD_REQUEST', 'bad request']
          : ['INTERNAL_SERVER_ERROR', 'internal server error'];
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
};
