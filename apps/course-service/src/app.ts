import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Outbox } from '@outflow/outbox';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import { createCourseService } from './courses/course-service.ts';
import { courseRoutes } from './courses/routes.ts';
import { problems, sharedSchemas } from './courses/schemas.ts';
import type { Database } from './db/database.ts';
import {
  CourseServiceError,
  DatabaseUnavailableError,
  describeFieldErrors,
  fieldErrors,
  loggableError,
  type Problem,
  problem,
} from './errors.ts';

/** What {@link buildApp} builds the HTTP app from. */
export interface AppDependencies {
  /** The course database; the app never closes it. */
  readonly db: Database;
  /** Where course events are written, inside each request's transaction. */
  readonly outbox: Pick<Outbox, 'write'>;
  /** A pino logger (or any Fastify-compatible one); none by default. */
  readonly logger?: FastifyBaseLogger;
  /** Epoch milliseconds; default `Date.now` (tests pin it). */
  readonly clock?: () => number;
  /** New course ids; default `crypto.randomUUID`. */
  readonly newId?: () => string;
}

// The largest valid body is ~45 KB (10,000 four-byte characters of description plus the rest).
const BODY_LIMIT = 64 * 1024;

/**
 * Builds the course service's Fastify app: the `/courses` routes, `/health`, `/ready`, the OpenAPI document at
 * `/docs/json` with Swagger UI at `/docs`, and problem-JSON errors. Does not listen; tests use `app.inject()`.
 * Closing the app does not close `db`.
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    // Report every bad field, and reject unknown body fields instead of silently dropping them.
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  });

  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Outflow course service',
        version: packageJson.version,
        description:
          'Courses whose changes are published as events through a transactional outbox (`CourseCreatedEvent`, ' +
          '`CoursePostedEvent`, `CourseUnpostedEvent`, aggregate type `Course`). Errors are RFC 9457 problem JSON.',
      },
      tags: [
        { name: 'courses', description: 'Courses and their publication' },
        { name: 'operations', description: 'Liveness and readiness' },
      ],
    },
    // Name components after the schemas' $id (`Course`) instead of `def-0`.
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

  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: the process serves HTTP',
        tags: ['operations'],
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: the database answers',
        tags: ['operations'],
        response: { 200: statusSchema, ...problems(503) },
      },
    },
    async () => {
      await deps.db.ping();
      return { status: 'ready' };
    },
  );

  const service = createCourseService({
    courses: deps.db.courses,
    outbox: deps.outbox,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.newId ? { newId: deps.newId } : {}),
  });
  await app.register(courseRoutes, { db: deps.db, service });
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
  if (error instanceof CourseServiceError) {
    return problem(error.code, error.message, { instance });
  }
  // Fastify's own client errors (malformed JSON, wrong media type, body too large) carry a 4xx statusCode.
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return problem('BAD_REQUEST', error.message, { instance, status });
  }
  return problem('INTERNAL', 'unexpected error; the service log has the details', { instance });
}
