import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type RelayConsole, registerConsoleRoutes } from '../console/console.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { PluginRegistry } from '../plugins.ts';
import { CONNECTOR_NAME_ROUTE_LENGTH } from '../worker/connector-name.ts';
import type { Herder } from '../worker/herder.ts';
import { badRequest, errorHandler, notFoundHandler } from './errors.ts';
import { registerGuards } from './guards.ts';
import type { RestSecurity } from './rest-security-config.ts';
import { registerConnectorControlRoutes } from './routes/connector-control.ts';
import { registerConnectorRoutes } from './routes/connectors.ts';
import { registerPluginRoutes } from './routes/plugins.ts';
import { registerRootRoutes } from './routes/root.ts';

/** What the REST API serves. */
export interface AppOptions {
  readonly herder: Herder;
  readonly plugins: PluginRegistry;
  readonly metrics: RelayMetrics;
  /** A pino logger whose stream scrubs secrets. */
  readonly logger: FastifyBaseLogger;
  /** `GET /` answers. */
  readonly server: {
    readonly version: string;
    readonly commit: string;
    readonly kafkaClusterId: () => Promise<string | null>;
  };
  /** HTTPS, basic authentication and CORS (default: plain HTTP, open, no CORS). */
  readonly security?: RestSecurity;
  /** The web console at `/console/` (absent: no console). */
  readonly console?: RelayConsole;
}

const OPEN: RestSecurity = { https: null, credentials: null, allowOrigins: [], allowMethods: [] };

/**
 * Builds the Kafka Connect–compatible REST API (not listening: the caller calls `listen`, tests call
 * `inject`). Every error is answered as `{"error_code", "message"}`; trailing slashes are ignored; a body
 * must be `application/json` (any other type is Connect's 415, so a page on another site cannot post a
 * "simple" cross-origin form), and invalid JSON is a 400 saying where it broke.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const security = options.security ?? OPEN;
  const app = Fastify({
    ...(security.https === null ? {} : { https: security.https }),
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify's default maxParamLength (100) would make a longer connector name unreachable once created.
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: CONNECTOR_NAME_ROUTE_LENGTH,
    },
    bodyLimit: 10 * 1024 * 1024,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(badRequest(`Request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
  app.setErrorHandler(errorHandler);
  registerGuards(app, security);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  registerRootRoutes(app, options);
  registerConnectorRoutes(app, options.herder);
  registerConnectorControlRoutes(app, options.herder);
  registerPluginRoutes(app, options.plugins, options.herder);
  if (options.console !== undefined) registerConsoleRoutes(app, options.console);
  return app;
}
