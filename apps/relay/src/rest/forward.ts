import type https from 'node:https';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RestSecurity } from './rest-security-config.ts';

/** Marks a request one worker sent another, so that it is never forwarded twice. */
export const FORWARDED_HEADER = 'x-outflow-forwarded-by';

/** What a forwarded request came back with. */
export interface ForwardedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Sends a request on to another worker's REST API, as Connect's workers forward writes to the leader: same
 * method, path, query, body and credentials (the caller's `Authorization` header), over TLS with this
 * worker's own trust store and certificate when the listener is HTTPS.
 */
export function forward(
  request: Pick<FastifyRequest, 'method' | 'url' | 'body'> & {
    readonly headers: { readonly authorization?: string | undefined };
  },
  baseUrl: string,
  workerId: string,
  security: RestSecurity,
  timeoutMs = 60_000,
): Promise<ForwardedAnswer> {
  const target = new URL(request.url, baseUrl);
  const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
  const headers: Record<string, string> = { [FORWARDED_HEADER]: workerId, accept: 'application/json' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  const auth = request.headers.authorization;
  if (auth !== undefined) headers.authorization = auth;
  const tls = security.https;
  const options: https.RequestOptions = {
    method: request.method,
    headers,
    timeout: timeoutMs,
    ...(target.protocol === 'https:' && tls !== null
      ? {
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          key: tls.key,
          cert: tls.cert,
          ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const req = builtin(target.protocol === 'https:' ? 'node:https' : 'node:http').request(
      target,
      options,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const name of ['content-type', 'location'])
            if (typeof res.headers[name] === 'string') out[name] = res.headers[name];
          resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.origin} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends a forwarded answer back to the client as it came. */
export function relayAnswer(reply: FastifyReply, answer: ForwardedAnswer): FastifyReply {
  void reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value);
  return reply.send(answer.body.length === 0 ? undefined : answer.body);
}

/**
 * `node:http` or `node:https` as CommonJS modules: importing them as ES modules makes Node build their ESM
 * facade, which reads every export and so loads its bundled fetch implementation (undici) for the `WebSocket`
 * getter, ~60 ms at every start for a module the relay only asks for `request()`.
 */
function builtin(name: 'node:http' | 'node:https'): typeof https {
  return process.getBuiltinModule(name) as typeof https;
}
