import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { ClusterView } from '../cluster/assignment.ts';
import { type RelayConsole, registerConsoleRoutes } from '../console/console.ts';
import { rebalanceInProgress, WorkerError } from '../errors.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { PluginRegistry } from '../plugins.ts';
import { CONNECTOR_NAME_ROUTE_LENGTH } from '../worker/connector-name.ts';
import type { ConnectorStatus, Herder } from '../worker/herder.ts';
import { badRequest, errorHandler, notFoundHandler } from './errors.ts';
import { FORWARDED_HEADER, forward, relayAnswer } from './forward.ts';
import { registerGuards } from './guards.ts';
import type { RestSecurity } from './rest-security-config.ts';
import { registerConnectorControlRoutes } from './routes/connector-control.ts';
import { registerConnectorRoutes } from './routes/connectors.ts';
import { registerPluginRoutes } from './routes/plugins.ts';
import { registerRootRoutes } from './routes/root.ts';
import { type OwnerStatus, statusReader } from './routes/status-reader.ts';

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
  /** Set when the relay is one worker of a cluster: `GET /cluster` and request forwarding. */
  readonly cluster?: { readonly view: () => ClusterView; readonly workerId: () => string };
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
  app.setErrorHandler(async (error, request, reply) => {
    if (!(error instanceof WorkerError) || error.code !== 'FORWARD' || error.forwardTo === undefined)
      return errorHandler(error, request, reply);
    // Forwarded once at most: a worker that is no longer the one to ask means the cluster is rebalancing.
    if (request.headers[FORWARDED_HEADER] !== undefined || options.cluster === undefined)
      return errorHandler(rebalanceInProgress(), request, reply);
    let answer: Awaited<ReturnType<typeof forward>>;
    try {
      answer = await forward(request, error.forwardTo, options.cluster.workerId(), security);
    } catch (failure) {
      request.log.warn({ err: failure, to: error.forwardTo }, 'could not forward the request');
      return errorHandler(rebalanceInProgress(), request, reply);
    }
    // Read-your-writes: what the leader wrote is visible here before the client gets its answer.
    if (answer.status < 300) await options.herder.sync();
    return relayAnswer(reply, answer);
  });
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
  const cluster = options.cluster;
  if (cluster !== undefined) app.get('/cluster', async () => clusterAnswer(cluster.view()));
  const statusOf = statusReader(
    options.herder,
    cluster === undefined ? undefined : ownerStatus(cluster.workerId, security),
  );
  registerConnectorRoutes(app, options.herder, statusOf);
  registerConnectorControlRoutes(app, options.herder, statusOf);
  registerPluginRoutes(app, options.plugins, options.herder);
  if (options.console !== undefined) registerConsoleRoutes(app, options.console);
  return app;
}

/** How long a status request waits for the task's worker before answering from the status topic. */
const OWNER_STATUS_TIMEOUT_MS = 2000;

function ownerStatus(workerId: () => string, security: RestSecurity): OwnerStatus {
  return async (name, url, request) => {
    if (request.headers[FORWARDED_HEADER] !== undefined) return undefined;
    const path = `/connectors/${encodeURIComponent(name)}/status`;
    try {
      const answer = await forward(
        { method: 'GET', url: path, body: undefined, headers: request.headers },
        url,
        workerId(),
        security,
        OWNER_STATUS_TIMEOUT_MS,
      );
      if (answer.status !== 200) return undefined;
      return JSON.parse(answer.body.toString('utf8')) as ConnectorStatus;
    } catch (error) {
      request.log.debug({ err: error, to: url }, "could not ask the task's worker for its status");
      return undefined;
    }
  };
}

/** `GET /cluster`: the workers of the relay cluster, its leader, generation and assignment. */
function clusterAnswer(view: ClusterView): Record<string, unknown> {
  const leader = view.members.find((m) => m.memberId === view.leaderId);
  return {
    group_id: view.groupId,
    generation: view.generation,
    joined: view.joined,
    leader: leader?.workerId ?? null,
    leader_url: view.leaderUrl === '' ? null : view.leaderUrl,
    workers: view.members.map((m) => ({
      worker_id: m.workerId,
      url: m.url,
      leader: m.memberId === view.leaderId,
      self: m.memberId === view.memberId,
      connectors: m.connectors,
    })),
  };
}
