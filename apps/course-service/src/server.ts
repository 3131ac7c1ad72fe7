/**
 * Start-up of the course service: read the configuration, create the database if missing, open the pool,
 * migrate, listen. Run this file directly to start the service (`node apps/course-service/src/server.ts`); it
 * then also prints the URL and a `curl` to try, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { createOutbox } from '@outflow/outbox';
import {
  closeOnce,
  listen,
  loggableError,
  prepareDatabase,
  redactUrl,
  runService,
} from '@outflow/service-kit';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { connectDatabase } from './db/connect.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';

/** A running course service. */
export interface StartedCourseService {
  /** Base URL it listens on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The Fastify app (for `inject` or its OpenAPI document). */
  readonly app: FastifyInstance;
  /** The pool it uses. */
  readonly db: Database;
  /** Stops accepting requests, waits for those in flight, then closes the pool. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startCourseService} that are not configuration. */
export interface StartOptions {
  /** Logger to use; default a pino logger on stdout at the configured level. */
  readonly logger?: Logger;
}

/**
 * Starts the course service: creates the database named in `DATABASE_URL` if missing (`CREATE DATABASE IF NOT
 * EXISTS` on MySQL/MariaDB, a `pg_database` check on PostgreSQL), opens the pool, creates the `course` and
 * outbox tables if missing, and listens. `config.port` 0 picks a free port (see `url`).
 *
 * @param config default: {@link loadConfig} of `process.env`.
 * @throws {ConfigError} for bad configuration; an `Error` naming the database (password hidden) if it cannot be
 *   reached or prepared.
 */
export async function startCourseService(
  config: Config = loadConfig(process.env),
  options: StartOptions = {},
): Promise<StartedCourseService> {
  const logger = options.logger ?? pino({ name: 'course-service', level: config.logLevel });
  logger.info(
    {
      database: redactUrl(config.databaseUrl),
      outboxMode: config.outboxMode,
      outboxTable: config.outboxTable,
    },
    'starting course service',
  );

  await prepareDatabase(config.databaseUrl);
  const db = connectDatabase(config.databaseUrl, {
    onIdleError: (error) => logger.warn({ err: loggableError(error) }, 'idle database connection lost'),
  });
  // The span context column lets the relay continue each request's trace (NULL while tracing is off).
  const outbox = createOutbox({
    dialect: db.dialect,
    table: config.outboxTable,
    mode: config.outboxMode,
    tracing: true,
  });

  let app: FastifyInstance;
  let url: string;
  try {
    await migrate(db, outbox);
    app = await buildApp({ db, outbox, logger });
    url = await listen(app, config);
  } catch (error) {
    await db.close();
    throw error;
  }

  return {
    url,
    app,
    db,
    close: closeOnce(async () => {
      try {
        await app.close();
      } finally {
        await db.close();
      }
    }),
  };
}

/** A `curl` that registers the seed article's course. */
function curlExample(url: string): string {
  const body = JSON.stringify({
    name: 'MSA 파헤치기',
    description: 'MSA의 모든 것을 가르쳐 드립니다.',
    teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
    thumbnail: 'msa_course.jpeg',
  });
  return `curl -s -X POST ${url}/courses -H 'content-type: application/json' -d '${body}'`;
}

if (import.meta.main) {
  await runService({
    name: 'course-service',
    title: 'course service',
    loadConfig: () => loadConfig(process.env),
    start: (config, logger) => startCourseService(config, { logger }),
    hints: (url) => [
      ['try:', curlExample(url)],
      ['then:', `curl -s -X POST ${url}/courses/<courseId>/post`],
    ],
  });
}
