import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import { catalogRoutes } from './catalog/routes.ts';
import { problems, sharedSchemas } from './catalog/schemas.ts';
import type { Database } from './db/database.ts';
import {
  CatalogServiceError,
  DatabaseUnavailableError,
  describeFieldErrors,
  fieldErrors,
  loggableError,
  type Problem,
  problem,
} from './errors.ts';

/** The event consumer as the HTTP app sees it. */
export interface ConsumerStatus {
  /** True while the consumer runs (false once it stopped on a fatal error). */
  running(): boolean;
  /** Prometheus text of the consumer's metrics. */
  metrics(): Promise<string>;
}

/** What {@link buildApp} builds the HTTP app from. */
export interface AppDependencies {
  /** The catalog database; the app never closes it. */
  readonly db: Database;
  /** The course event consumer; none in tests of the HTTP edge alone. */
  readonly consumer?: ConsumerStatus;
  /** A pino logger (or any Fastify-compatible one); none by default. */
  readonly logger?: FastifyBaseLogger;
}

/**
 * Builds the catalog service's Fastify app: `/catalog/courses`, `/health`, `/ready`, `/metrics`, the OpenAPI
 * document at `/docs/json` with Swagger UI at `/docs`, and problem-JSON errors. Does not listen.
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  });

  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Outflow catalog service',
        version: packageJson.version,
        description:
          'A read model of the posted courses, kept from the `outbox.event.Course` topic through an idempotent ' +
          'inbox. Errors are RFC 9457 problem JSON.',
      },
      tags: [
        { name: 'catalog', description: 'Posted courses' },
        { name: 'operations', description: 'Liveness, readiness and metrics' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const doc = toProblem(error, request.url);
    if (doc.status >= 500) {
      const level = doc.code === 'DATABASE_UNAVAILABLE' ? 'warn' : 'error';
      request.log[level]({ err: loggableError(error), code: doc.code }, 'request failed');
    }
    if (doc.code === 'DATABASE_UNAVAILABLE') reply.header('retry-after', '5');
    return reply.code(doc.status).type('application/problem+json').send(doc);
  });

  app.setNotFoundHandler((request, reply) => {
    const doc = problem('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, {
      instance: request.url,
    });
    return reply.code(404).type('application/problem+json').send(doc);
  });

  const statusSchema = {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string' } },
  } as const;
  const operations = ['operations'];

  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: the process serves HTTP',
        tags: operations,
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: the database answers and the event consumer runs',
        tags: operations,
        response: { 200: statusSchema, ...problems(503) },
      },
    },
    async () => {
      await deps.db.ping();
      if (deps.consumer !== undefined && !deps.consumer.running()) {
        throw new CatalogServiceError('CONSUMER_STOPPED', 'the course event consumer has stopped');
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics of the event consumer',
        tags: operations,
        response: { 200: { description: 'Prometheus text format 0.0.4', type: 'string' } },
      },
    },
    async (_request, reply) => {
      const text = deps.consumer === undefined ? '' : await deps.consumer.metrics();
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    },
  );

  await app.register(catalogRoutes, { db: deps.db });
  return app;
}

/** Maps any error reaching the edge to problem JSON; internal details never leave the process. */
function toProblem(error: FastifyError, instance: string): Problem {
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext ?? 'request');
    return problem('VALIDATION_FAILED', describeFieldErrors(errors), { instance, errors });
  }
  if (error instanceof DatabaseUnavailableError) {
    return problem('DATABASE_UNAVAILABLE', 'database unavailable, try again later', { instance });
  }
  if (error instanceof CatalogServiceError) return problem(error.code, error.message, { instance });
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return problem('BAD_REQUEST', error.message, { instance, status });
  }
  return problem('INTERNAL', 'unexpected error; the service log has the details', { instance });
}
