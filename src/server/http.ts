/**
 * The HTTP face: Apollo Server 5 on express 5 at /graphql, the dashboard's static files at /,
 * and /healthz for orchestrators.
 */
import http from 'node:http';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type { ApiContext } from '../resolvers/context';
import { formatError } from '../resolvers/errors';

export const WEB_ROOT = path.resolve(__dirname, '../../web');
const BODY_LIMIT = '1mb';

export interface HttpServer {
  url: string;
  graphqlUrl: string;
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use (is cardiac-uq already running?); set CARDIAC_UQ_PORT to another port`);
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
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ...(options.plugins ?? [])],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(
    '/graphql',
    cors<cors.CorsRequest>({ origin: options.corsOrigins.length ? options.corsOrigins : false }),
    ...(options.guards ?? []),
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, { context: options.context }),
    ...(options.errorHandler ? [options.errorHandler] : []),
  );
  app.use(express.static(WEB_ROOT, { index: 'index.html' }));
  // The dashboard's one charting library, served from its own package (no bundler, no copy in web/).
  app.use('/vendor/echarts', express.static(path.dirname(require.resolve('echarts/dist/echarts.min.js'))));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.host, options.port) : error);
    });
    httpServer.listen(options.port, options.host, () => resolve());
  }).catch(async (error) => {
    await apollo.stop();
    throw error;
  });
  const { port } = httpServer.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    close: () => apollo.stop(),
  };
}
