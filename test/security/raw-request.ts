/**
 * A GraphQL POST with full control of what fetch will not let a test set: the Host header, the
 * Origin header and the client's source address (any 127.x address reaches a loopback server).
 */
import http from 'node:http';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

export function rawPost(
  url: string,
  query: string,
  options: { host?: string; origin?: string; key?: string; from?: string; variables?: Record<string, unknown> } = {},
): Promise<RawAnswer> {
  const target = new URL(url);
  const payload = JSON.stringify({ query, variables: options.variables ?? {} });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress: options.from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          host: options.host ?? target.host,
          ...(options.origin !== undefined ? { origin: options.origin } : {}),
          ...(options.key !== undefined ? { authorization: `Bearer ${options.key}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
