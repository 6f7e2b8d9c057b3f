/**
 * The HTTP face: Apollo Server 5 on express 5 at /graphql, the dashboard's static files at /,
 * and, for orchestrators, /healthz (this process is alive and its event loop turns) apart from
 * /readyz (the database and the queues answer: 200, else 503 with the reason as JSON). A database
 * that cannot be reached is answered 503 DATABASE_UNAVAILABLE on /graphql, never a 500.
 * Documented in docs/design.md "Processes and roles".
 */
import http from 'node:http';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import { isDatabaseUnavailable } from '../db/database';
import type { ApiContext } from '../resolvers/context';
import { formatError } from '../resolvers/errors';

export const WEB_ROOT = path.resolve(__dirname, '../../web');
const BODY_LIMIT = '1mb';

/** What /readyz found: `ready` false comes with the reason; the rest is detail for operators. */
export interface Readiness {
  ready: boolean;
  reason?: string;
  [detail: string]: unknown;
}

const UNAVAILABLE = {
  message: 'the database cannot be reached (it is restarting or down); try again shortly',
  extensions: { code: 'DATABASE_UNAVAILABLE' },
};
const RETRY_AFTER_S = '5';

/** Event-loop delay of this process over the last 10–20 s (two alternating windows), in ms. */
function eventLoopDelay() {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let previousMaxNs = 0;
  const roll = setInterval(() => {
    previousMaxNs = histogram.max;
    histogram.reset();
  }, 10_000);
  roll.unref();
  return {
    read: () => ({
      maxMs: Math.round(Math.max(previousMaxNs, histogram.max) / 1e4) / 100,
      p99Ms: Math.round(histogram.percentile(99) / 1e4) / 100,
      meanMs: Math.round((Number.isNaN(histogram.mean) ? 0 : histogram.mean) / 1e4) / 100,
    }),
    stop: () => {
      clearInterval(roll);
      histogram.disable();
    },
  };
}

/** Apollo answers resolver errors with 200; a response that failed because the database is away is a 503. */
const unavailableStatus: ApolloServerPlugin<ApiContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const errors = response.body.singleResult.errors ?? [];
        if (errors.some((error) => error.extensions?.code === 'DATABASE_UNAVAILABLE')) {
          response.http.status = 503;
          response.http.headers.set('retry-after', RETRY_AFTER_S);
        }
      },
    };
  },
};

export interface HttpServer {
  url: string;
  graphqlUrl: string;
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(host: string, port: number) {
    super(
      `port ${port} on ${host} is already in use (is cardiac-uq already running?); set CARDIAC_UQ_PORT to another port`,
    );
    this.name = 'PortInUseError';
  }
}

export async function startHttpServer(options: {
  schema: GraphQLSchema;
  host: string;
  port: number;
  corsOrigins: string[];
  context: (args: { req: express.Request; res: express.Response }) => Promise<ApiContext>;
  /** Run on /graphql after CORS, before the body is read (authentication, rate limit: src/server/auth.ts, limits.ts). */
  guards?: express.RequestHandler[];
  /** Answers errors raised on /graphql outside GraphQL (body too large, malformed JSON). */
  errorHandler?: express.ErrorRequestHandler;
  validationRules?: ValidationRule[];
  plugins?: ApolloServerPlugin<ApiContext>[];
  /** Whether the database and queues answer (/readyz); without it /readyz reports ready. */
  readiness?: () => Promise<Readiness>;
  /** False while the database is known to be down: /graphql answers DATABASE_UNAVAILABLE at once. */
  databaseAvailable?: () => boolean;
  /** File downloads at /files (./downloads.ts), behind the same CORS, availability check and guards as /graphql. */
  files?: express.RequestHandler;
  /** File uploads at /uploads (./uploads.ts), behind the same CORS, availability check and guards as /graphql. */
  uploads?: express.RequestHandler;
  /** GraphQL over WebSocket on this server (./subscriptions.ts), closed before Apollo stops. */
  subscriptions?: (httpServer: http.Server) => { close(): Promise<void> };
}): Promise<HttpServer> {
  const app = express();
  const httpServer = http.createServer(app);
  // Node closes idle keep-alive sockets after 5 s. A client (fetch reuses sockets) that sends its
  // next request just as that timer fires gets ECONNRESET; after any pause of the event loop the
  // timer fires late, exactly when clients resume. Keep idle sockets longer than clients do.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const apollo = new ApolloServer<ApiContext>({
    schema: options.schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError,
    validationRules: options.validationRules,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), unavailableStatus, ...(options.plugins ?? [])],
  });
  await apollo.start();
  const delay = eventLoopDelay();

  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, pid: process.pid, eventLoopDelay: delay.read() });
  });
  app.get('/readyz', (_req, res) => {
    const readiness = options.readiness?.() ?? Promise.resolve<Readiness>({ ready: true });
    readiness
      .catch((error: Error): Readiness => ({ ready: false, reason: error.message }))
      .then((r) => res.status(r.ready ? 200 : 503).json({ ...r, pid: process.pid, eventLoopDelay: delay.read() }));
  });
  const unavailable = (res: express.Response) =>
    res
      .status(503)
      .set('retry-after', RETRY_AFTER_S)
      .json({ errors: [UNAVAILABLE] });
  const guarded = [
    cors<cors.CorsRequest>({ origin: options.corsOrigins.length ? options.corsOrigins : false }),
    (_req: express.Request, res: express.Response, next: express.NextFunction) =>
      options.databaseAvailable?.() === false ? unavailable(res) : next(),
    ...(options.guards ?? []),
  ];
  // A guard (authentication reads keys from the store) that failed for want of a database.
  const guardFailed = (error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) =>
    !res.headersSent && isDatabaseUnavailable(error) ? unavailable(res) : next(error);
  app.use(
    '/graphql',
    ...guarded,
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, { context: options.context }),
    guardFailed,
    ...(options.errorHandler ? [options.errorHandler] : []),
  );
  if (options.files) app.use('/files', ...guarded, options.files, guardFailed);
  if (options.uploads) app.use('/uploads', ...guarded, options.uploads, guardFailed);
  app.use(express.static(WEB_ROOT, { index: 'index.html' }));
  // The dashboard's one charting library, served from its own package (no bundler, no copy in web/).
  app.use('/vendor/echarts', express.static(path.dirname(require.resolve('echarts/dist/echarts.min.js'))));
  // The graphql-ws client's browser build, for the dashboard's live progress (the runProgress subscription).
  app.use(
    '/vendor/graphql-ws',
    express.static(path.join(path.dirname(require.resolve('graphql-ws/package.json')), 'umd')),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.host, options.port) : error);
    });
    httpServer.listen(options.port, options.host, () => resolve());
  }).catch(async (error) => {
    await apollo.stop();
    throw error;
  });
  const subscriptions = options.subscriptions?.(httpServer);
  const { port } = httpServer.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    close: async () => {
      delay.stop();
      await subscriptions?.close();
      await apollo.stop();
    },
  };
}
