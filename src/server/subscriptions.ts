/**
 * GraphQL subscriptions over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the
 * HTTP server's own port and path, /graphql. Admitted exactly as a POST to /graphql is: the
 * AuthGate (./auth.ts) checks the key that connection_init carries as `authorization: Bearer
 * <key>` (else the upgrade request's Authorization header), or, in open mode, the loopback Host
 * and the Origin. A refused connection is closed with 4000 + the HTTP status the gate would have
 * answered (4401 UNAUTHENTICATED, 4403 UNTRUSTED_ORIGIN, 4421 UNTRUSTED_HOST, 4429 RATE_LIMITED)
 * and `CODE: message` as the reason. Every operation passes the same depth, alias, cost and id
 * checks as /graphql (./limits.ts, ./argument-checks.ts); only subscriptions are taken here, so
 * mutations keep their operator check and rate limit on POST. Documented in docs/design.md
 * "GraphQL API" and "Access and audit".
 */
import type http from 'node:http';
import { GraphQLError, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ApiContext } from '../resolvers/context';
import { formatError } from '../resolvers/errors';
import { checkArguments } from './argument-checks';
import type { Principal, Refusal } from './auth';
import { checkCost, limitValidationRules, type ApiLimits } from './limits';

export const SUBSCRIPTIONS_PATH = '/graphql';
/** A WebSocket close reason is at most 123 bytes. */
const MAX_REASON = 123;

export interface Subscriptions {
  close(): Promise<void>;
}

function refusal(error: unknown): readonly GraphQLError[] {
  return [error instanceof GraphQLError ? error : new GraphQLError((error as Error).message)];
}

export function startSubscriptions(options: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  limits: ApiLimits;
  authenticate: (request: http.IncomingMessage, authorization: string | undefined) => Promise<Principal | Refusal>;
  context: (principal: Principal) => ApiContext;
}): Subscriptions {
  const { schema, limits } = options;
  const rules = [...specifiedRules, ...limitValidationRules(limits)];
  const wss = new WebSocketServer({ server: options.httpServer, path: SUBSCRIPTIONS_PATH });
  const server = useServer<Record<string, unknown>, { principal: Principal }>(
    {
      schema,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const result = await options.authenticate(
          ctx.extra.request,
          typeof authorization === 'string' ? authorization : undefined,
        );
        if ('status' in result) {
          ctx.extra.socket.close(4000 + result.status, `${result.code}: ${result.message}`.slice(0, MAX_REASON));
          return false;
        }
        ctx.extra.principal = result;
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return refusal(error);
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length) return invalid;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('unable to identify the operation (name it with operationName)')];
        if (operation.operation !== 'subscription') {
          return [
            new GraphQLError(
              `only subscriptions are taken over WebSocket: send a ${operation.operation} to POST /graphql`,
              {
                extensions: { code: 'BAD_REQUEST' },
              },
            ),
          ];
        }
        const variables = payload.variables ?? {};
        try {
          checkArguments(schema, document, operation, variables);
          checkCost(schema, document, variables, payload.operationName ?? undefined, limits);
        } catch (error) {
          return refusal(error);
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: variables,
          contextValue: options.context(ctx.extra.principal!),
        };
      },
      // Errors leave in the same typed shape as over HTTP, without the HTTP status Apollo would have used.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => {
          const formatted = formatError(error.toJSON(), error);
          const { http: _status, ...extensions } = formatted.extensions ?? {};
          return { ...formatted, extensions };
        }),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) }
          : undefined,
    },
    wss,
  );
  return { close: () => Promise.resolve(server.dispose()) };
}
