import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { JAAS_SECTION, type RestSecurity } from './rest-security-config.ts';

/** Methods a page on another site may use without changing anything. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Jetty's CrossOriginFilter default, which Connect uses. */
const ALLOWED_HEADERS = 'X-Requested-With,Content-Type,Accept,Origin,Authorization';

/**
 * Adds the REST API's guards, in the order a request meets them: CORS (answers preflights itself, and
 * refuses a state-changing request from another site's page unless `access.control.allow.origin` allows
 * it), then basic authentication (401 with `WWW-Authenticate`, before any route runs, so the answer says
 * nothing about the connectors). JSON-only bodies are enforced by the content-type parser in `app.ts`.
 */
export function registerGuards(app: FastifyInstance, security: RestSecurity): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== sameOrigin(request)) {
      const allowed = originAllowed(security.allowOrigins, origin);
      if (allowed) {
        void reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
        if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
          return reply
            .code(204)
            .header('Access-Control-Allow-Methods', security.allowMethods.join(','))
            .header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
            .send();
        }
      }
      if (!SAFE_METHODS.has(request.method) && !(allowed && security.allowMethods.includes(request.method)))
        return reply.code(403).send({
          error_code: 403,
          message: `Cross-origin ${request.method} from ${origin} is not allowed (access.control.allow.origin)`,
        });
    }
    if (security.credentials !== null && !authenticated(request, security.credentials)) {
      return unauthorized(reply);
    }
    return undefined;
  });
}

/** The `Origin` a page served by this API itself would send. */
function sameOrigin(request: FastifyRequest): string | undefined {
  const host = request.headers.host;
  return host === undefined ? undefined : `${request.protocol}://${host}`;
}

function originAllowed(allowed: readonly string[], origin: string): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Checks `Authorization: Basic …` against the credentials, in time independent of where they differ. */
function authenticated(request: FastifyRequest, credentials: ReadonlyMap<string, string>): boolean {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return false;
  const expected = credentials.get(decoded.slice(0, colon));
  const given = digest(decoded.slice(colon + 1));
  // Compared even for an unknown user, so the timing does not tell which user names exist.
  const same = timingSafeEqual(given, digest(expected ?? '\u0000no user'));
  return expected !== undefined && same;
}

function unauthorized(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header('WWW-Authenticate', `Basic realm="${JAAS_SECTION}", charset="UTF-8"`)
    .send({ error_code: 401, message: 'User cannot access the resource.' });
}
