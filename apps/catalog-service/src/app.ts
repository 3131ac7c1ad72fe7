import { createServiceApp } from '@outflow/service-kit';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import { catalogRoutes } from './catalog/routes.ts';
import { problems, sharedSchemas } from './catalog/schemas.ts';
import type { Database } from './db/database.ts';
import { CatalogServiceError, errorCatalogue } from './errors.ts';

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
  const app = await createServiceApp({
    ...(deps.logger ? { logger: deps.logger } : {}),
    catalogue: errorCatalogue,
    schemas: sharedSchemas,
    openapi: {
      title: 'Outflow catalog service',
      version: packageJson.version,
      description:
        'A read model of the posted courses, kept from the `outbox.event.Course` topic through an idempotent ' +
        'inbox. Errors are RFC 9457 problem JSON.',
      tags: [
        { name: 'catalog', description: 'Posted courses' },
        { name: 'operations', description: 'Liveness, readiness and metrics' },
      ],
    },
    problems,
    ready: {
      summary: 'Readiness: the database answers and the event consumer runs',
      async check() {
        await deps.db.ping();
        if (deps.consumer !== undefined && !deps.consumer.running()) {
          throw new CatalogServiceError('CONSUMER_STOPPED', 'the course event consumer has stopped');
        }
      },
    },
  });

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics of the event consumer',
        tags: ['operations'],
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
