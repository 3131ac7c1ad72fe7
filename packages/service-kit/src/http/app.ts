/**
 * The Fastify skeleton every service's `buildApp` starts from: validation reporting every bad field (bodies
 * validated as sent, without type coercion; every string storable by every database, see `validation.ts`), the
 * OpenAPI document at `/docs/json` with Swagger UI at `/docs`, `/health` and `/ready`, and every error answered
 * as RFC 9457 problem JSON from the service's error catalogue.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import {
  type BaseErrorCode,
  DatabaseUnavailableError,
  describeFieldErrors,
  type ErrorCatalogue,
  fieldErrors,
  loggableError,
  type Problem,
  problem,
  ServiceError,
} from '../errors.ts';
import { traceRequests } from '../tracing.ts';
import type { ProblemResponses } from './schemas.ts';
import { refuseNonUtf8Json, requestValidatorFactory } from './validation.ts';

/** What {@link createServiceApp} builds the skeleton from. */
export interface ServiceAppOptions<C extends string> {
  /** A pino logger (or any Fastify-compatible one); none by default. */
  readonly logger?: FastifyBaseLogger;
  /** Largest request body in bytes; default Fastify's (1 MiB). */
  readonly bodyLimit?: number;
  /** The service's error catalogue: the shared codes plus its own. */
  readonly catalogue: ErrorCatalogue<BaseErrorCode | C>;
  /** Schemas to register with `app.addSchema`, in dependency order (the `Problem` schema among them). */
  readonly schemas: readonly Record<string, unknown>[];
  /** The OpenAPI document's `info` and `tags`; the `operations` tag holds `/health` and `/ready`. */
  readonly openapi: {
    readonly title: string;
    readonly version: string;
    readonly description: string;
    readonly tags: readonly { readonly name: string; readonly description: string }[];
  };
  /** The service's problem responses; `/ready` documents `problems(503)`. */
  readonly problems: ProblemResponses;
  /** `/ready`: what its OpenAPI summary says, and the check (throw to answer 503 with the error's problem). */
  readonly ready: { readonly summary: string; check(): Promise<void> };
}

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' } },
} as const;

/**
 * Builds the skeleton of a service's Fastify app; the service registers its own routes on it. Does not
 * listen; tests use `app.inject()`.
 *
 * Errors reaching the edge become problem JSON: schema validation failures `VALIDATION_FAILED` (400, each
 * field in `errors`), `DatabaseUnavailableError` `DATABASE_UNAVAILABLE` (503, `Retry-After: 5`), any
 * {@link ServiceError} whose code is in the catalogue that code's problem, Fastify's own client errors
 * `BAD_REQUEST` with their 4xx status, anything else a bare `INTERNAL` 500 (details only in the log). Unknown
 * routes give `ROUTE_NOT_FOUND` (404).
 */
export async function createServiceApp<C extends string>(
  options: ServiceAppOptions<C>,
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    // Every bad field reported; unknown body fields rejected, not dropped; bodies never coerced; text checked.
    schemaController: { compilersFactory: { buildValidator: requestValidatorFactory() } },
  });
  const { catalogue } = options;
  refuseNonUtf8Json(app);
  traceRequests(app);

  for (const schema of options.schemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: options.openapi.title,
        version: options.openapi.version,
        description: options.openapi.description,
      },
      tags: [...options.openapi.tags],
    },
    // Name components after the schemas' $id (`Course`) instead of `def-0`.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const doc = toProblem(catalogue, error, request.url);
    if (doc.status >= 500) {
      const level = doc.code === 'DATABASE_UNAVAILABLE' ? 'warn' : 'error';
      request.log[level]({ err: loggableError(error), code: doc.code }, 'request failed');
    }
    if (doc.code === 'DATABASE_UNAVAILABLE') reply.header('retry-after', '5');
    return reply.code(doc.status).type('application/problem+json').send(doc);
  });

  app.setNotFoundHandler((request, reply) => {
    const doc = problem(
      catalogue,
      'ROUTE_NOT_FOUND',
      `no route ${request.method} ${request.url.split('?')[0]}`,
      { instance: request.url },
    );
    return reply.code(404).type('application/problem+json').send(doc);
  });

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
        summary: options.ready.summary,
        tags: ['operations'],
        response: { 200: statusSchema, ...options.problems(503) },
      },
    },
    async () => {
      await options.ready.check();
      return { status: 'ready' };
    },
  );
  return app;
}

/** Maps any error reaching the edge to problem JSON; internal details never leave the process. */
function toProblem<C extends string>(
  catalogue: ErrorCatalogue<BaseErrorCode | C>,
  error: FastifyError,
  instance: string,
): Problem<BaseErrorCode | C> {
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext ?? 'request');
    return problem(catalogue, 'VALIDATION_FAILED', describeFieldErrors(errors), { instance, errors });
  }
  if (error instanceof DatabaseUnavailableError) {
    return problem(catalogue, 'DATABASE_UNAVAILABLE', 'database unavailable, try again later', { instance });
  }
  if (error instanceof ServiceError && Object.hasOwn(catalogue, error.code)) {
    return problem(catalogue, error.code as C, error.message, { instance });
  }
  // Fastify's own client errors (malformed JSON, wrong media type, body too large) carry a 4xx statusCode.
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return problem(catalogue, 'BAD_REQUEST', error.message, { instance, status });
  }
  return problem(catalogue, 'INTERNAL', 'unexpected error; the service log has the details', { instance });
}
