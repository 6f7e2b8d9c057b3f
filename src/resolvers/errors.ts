/**
 * Typed GraphQL errors: the `code` extension is what clients branch on. Errors raised below the
 * API (launch checks, engine input checks) are mapped here, once, for every resolver.
 */
import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseUnavailable } from '../db/database';
import { InvalidInputError } from '../engine/errors';
import { LaunchError } from '../services/errors';

export function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
}

export function notFound(entity: string, id: string): GraphQLError {
  return new GraphQLError(`${entity} ${id} not found`, { extensions: { code: 'NOT_FOUND', entity, id } });
}

/** Apollo `formatError`: typed codes for our errors; internal errors keep their code, lose nothing else. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof LaunchError) {
    return {
      ...formatted,
      message: original.message,
      extensions: {
        ...formatted.extensions,
        code: original.code,
        ...(original.field ? { field: original.field } : {}),
        ...(original.reason ? { reason: original.reason } : {}),
      },
    };
  }
  if (original instanceof InvalidInputError) {
    return {
      ...formatted,
      message: original.message,
      extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT', reason: original.code },
    };
  }
  if (isDatabaseUnavailable(original)) {
    // Postgres down or restarting (src/db/database.ts): clients retry; answered 503 (src/server/http.ts).
    return {
      message: 'the database cannot be reached (it is restarting or down); try again shortly',
      extensions: { code: 'DATABASE_UNAVAILABLE' },
    };
  }
  if (isStatementTimeout(original)) {
    // The API's statement_timeout (src/server/limits.ts) cancelled the query in Postgres.
    return {
      message: 'the query took too long and was cancelled; narrow the filter or ask for smaller pages',
      extensions: { code: 'QUERY_TIMEOUT' },
    };
  }
  return formatted;
}

/** Postgres 57014 (query_canceled by statement_timeout), as Prisma's pg adapter reports it. */
function isStatementTimeout(error: unknown): boolean {
  const e = error as {
    meta?: { driverAdapterError?: { cause?: { originalCode?: string } } };
    cause?: { originalCode?: string };
  } | null;
  return (
    e?.meta?.driverAdapterError?.cause?.originalCode === '57014' ||
    e?.cause?.originalCode === '57014' ||
    /statement timeout/.test(String((error as Error)?.message ?? ''))
  );
}
