/**
 * Start-up of the catalog service: read the configuration, create the database if missing, open the pool,
 * migrate, start the course event consumer, listen. Run this file directly to start the service
 * (`node apps/catalog-service/src/server.ts`); it shuts down cleanly on SIGINT/SIGTERM.
 */
import { createInbox, createInboxConsumer, type InboxConsumer } from '@outflow/inbox';
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
import type { CourseEvents } from './catalog/course.ts';
import { courseProjection } from './catalog/projection.ts';
import { type Config, loadConfig } from './config.ts';
import { connectDatabase } from './db/connect.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';

/** A running catalog service. */
export interface StartedCatalogService {
  /** Base URL it listens on, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** The Fastify app (for `inject` or its OpenAPI document). */
  readonly app: FastifyInstance;
  /** The pool it uses. */
  readonly db: Database;
  /** The course event consumer (its `stats()` and `metrics()`). */
  readonly consumer: InboxConsumer;
  /** Stops HTTP, then the consumer (letting the event in progress finish), then closes the pool. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startCatalogService} that are not configuration. */
export interface StartOptions {
  /** Logger to use; default a pino logger on stdout at the configured level. */
  readonly logger?: Logger;
}

/**
 * Starts the catalog service: creates the database named in `DATABASE_URL` if missing, opens the pool, creates
 * the `catalog_course` and `inbox` tables if missing, joins the consumer group on the course topic, listens.
 * `config.port` 0 picks a free port (see `url`).
 *
 * @param config default: {@link loadConfig} of `process.env`.
 * @throws {ConfigError} for bad configuration; an `Error` naming the database (password hidden) if it cannot be
 *   reached or prepared; the Kafka client's error if the broker cannot be reached.
 */
export async function startCatalogService(
  config: Config = loadConfig(process.env),
  options: StartOptions = {},
): Promise<StartedCatalogService> {
  const logger = options.logger ?? pino({ name: 'catalog-service', level: config.logLevel });
  logger.info(
    { database: redactUrl(config.databaseUrl), topic: config.topic, groupId: config.groupId },
    'starting catalog service',
  );

  await prepareDatabase(config.databaseUrl);
  const db = connectDatabase(config.databaseUrl, {
    onIdleError: (error) => logger.warn({ err: loggableError(error) }, 'idle database connection lost'),
  });
  const inbox = createInbox({ dialect: db.dialect });
  const consumerLogger = logger.child({ component: 'inbox' });
  const projection = courseProjection(db.catalog, consumerLogger);
  const consumer = createInboxConsumer<CourseEvents>({
    bootstrapServers: config.kafkaBootstrapServers,
    clientId: 'catalog-service',
    clientProperties: config.kafkaClientProperties,
    groupId: config.groupId,
    topics: [config.topic],
    database: db.inbox,
    inbox,
    handlers: projection.handlers,
    fallbackHandler: projection.fallbackHandler,
    logger: consumerLogger,
  });
  let running = false;
  consumer.done.then(
    () => {
      running = false;
    },
    (error: unknown) => {
      running = false;
      logger.fatal({ err: loggableError(error) }, 'course event consumer stopped');
    },
  );

  let app: FastifyInstance;
  let url: string;
  try {
    await migrate(db, inbox);
    await consumer.start();
    running = true;
    app = await buildApp({
      db,
      logger,
      consumer: { running: () => running, metrics: () => consumer.metrics() },
    });
    url = await listen(app, config);
  } catch (error) {
    await consumer.close().catch(() => {});
    await db.close();
    throw error;
  }

  return {
    url,
    app,
    db,
    consumer,
    close: closeOnce(async () => {
      try {
        await app.close();
        await consumer.close();
      } finally {
        await db.close();
      }
    }),
  };
}

if (import.meta.main) {
  await runService({
    name: 'catalog-service',
    title: 'catalog service',
    loadConfig: () => loadConfig(process.env),
    start: (config, logger) => startCatalogService(config, { logger }),
    hints: (url) => [['try:', `curl -s ${url}/catalog/courses`]],
  });
}
