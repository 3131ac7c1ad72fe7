import type { Outbox } from '@outflow/outbox';
import { createServiceApp } from '@outflow/service-kit';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import { createCourseService } from './courses/course-service.ts';
import { courseRoutes } from './courses/routes.ts';
import { problems, sharedSchemas } from './courses/schemas.ts';
import type { Database } from './db/database.ts';
import { errorCatalogue } from './errors.ts';

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
  const app = await createServiceApp({
    ...(deps.logger ? { logger: deps.logger } : {}),
    bodyLimit: BODY_LIMIT,
    catalogue: errorCatalogue,
    schemas: sharedSchemas,
    openapi: {
      title: 'Outflow course service',
      version: packageJson.version,
      description:
        'Courses whose changes are published as events through a transactional outbox (`CourseCreatedEvent`, ' +
        '`CoursePostedEvent`, `CourseUnpostedEvent`, aggregate type `Course`). Errors are RFC 9457 problem JSON.',
      tags: [
        { name: 'courses', description: 'Courses and their publication' },
        { name: 'operations', description: 'Liveness and readiness' },
      ],
    },
    problems,
    ready: { summary: 'Readiness: the database answers', check: () => deps.db.ping() },
  });

  const service = createCourseService({
    courses: deps.db.courses,
    outbox: deps.outbox,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.newId ? { newId: deps.newId } : {}),
  });
  await app.register(courseRoutes, { db: deps.db, service });
  return app;
}
