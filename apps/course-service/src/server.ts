/**
 * Start-up of the course service: read the configuration, create the database if missing, open the pool,
 * migrate, listen. Run this file directly to start the service (`node apps/course-service/src/server.ts`); it
 * then also prints the URL and a `curl` to try, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { createOutbox } from '@outflow/outbox';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.ts';
import { type Config, ConfigError, loadConfig, redactUrl } from './config.ts';
import { connectDatabase, ensureDatabaseExists } from './db/connect.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { loggableError } from './errors.ts';

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
  const where = redactUrl(config.databaseUrl);
  logger.info(
    { database: where, outboxMode: config.outboxMode, outboxTable: config.outboxTable },
    'starting course service',
  );

  try {
    await ensureDatabaseExists(config.databaseUrl);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = (error as { code?: unknown }).code ?? (error as Error).message;
    throw new Error(`cannot reach or create the database at ${where}: ${String(reason)}`, { cause: error });
  }
  const db = connectDatabase(config.databaseUrl, {
    onIdleError: (error) => logger.warn({ err: loggableError(error) }, 'idle database connection lost'),
  });
  const outbox = createOutbox({ dialect: db.dialect, table: config.outboxTable, mode: config.outboxMode });

  let app: FastifyInstance;
  try {
    await migrate(db, outbox);
    app = await buildApp({ db, outbox, logger });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await db.close();
    throw error;
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    app,
    db,
    close() {
      closing ??= (async () => {
        try {
          await app.close();
        } finally {
          await db.close();
        }
      })();
      return closing;
    },
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

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    console.error(`course-service: ${(error as Error).message}`);
    process.exit(2);
  }
  const logger = pino({ name: 'course-service', level: config.logLevel });
  let service: StartedCourseService;
  try {
    service = await startCourseService(config, { logger });
  } catch (error) {
    logger.fatal({ err: loggableError(error) }, 'start-up failed');
    console.error(`course-service: ${(error as Error).message}`);
    process.exit(1);
  }
  // performance.now() counts from process start.
  const startupMs = Math.round(performance.now());
  logger.info({ url: service.url, startupMs }, 'course service listening');
  console.log(`\ncourse service listening on ${service.url} (started in ${startupMs} ms)`);
  console.log(`  API docs: ${service.url}/docs`);
  console.log(`  try:      ${curlExample(service.url)}`);
  console.log(`  then:     curl -s -X POST ${service.url}/courses/<courseId>/post\n`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s, exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: loggableError(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (import.meta.main) await main();
