import { type StartedCatalogService, startCatalogService } from '@outflow/catalog-service';
import { buildApp, connectDatabase, type Database, migrate } from '@outflow/course-service';
import { createOutbox } from '@outflow/outbox';
import { createMariaDbDatabase, kafkaBootstrap, type TestDatabase } from '@outflow/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import { eventRouterConfig, mysqlSourceConfig, stringConverters, workerConfig } from './connectors.ts';
import { waitForRunning } from './wait-for-running.ts';

/** The original design's whole system, running: course service → outbox → relay → Kafka → catalog. */
export interface WholeFlow {
  /** The course service (not listening: `inject`). */
  readonly courses: FastifyInstance;
  readonly catalog: StartedCatalogService;
  readonly relay: RunningRelay;
  /** The topic the catalog reads: `<prefix>.Course`. */
  readonly topic: string;
  /** The course service's database (the outbox's). */
  readonly courseDatabase: string;
  close(): Promise<void>;
}

/**
 * Starts the course service on its own MariaDB database, the relay with the Outbox Event Router routing to
 * `<prefix>.<aggregatetype>` with the event type in the `eventType` header, and the catalog service on another
 * database reading `<prefix>.Course`. The relay is RUNNING (its binlog position taken) when this resolves, so
 * a course posted next is read.
 */
export async function startWholeFlow(
  prefix: string,
  options: { tracing?: boolean } = {},
): Promise<WholeFlow> {
  const opened: { close(): Promise<unknown> }[] = [];
  const close = async () => {
    for (const part of opened.reverse()) await part.close();
  };
  try {
    const courseDb: TestDatabase = await createMariaDbDatabase(`${prefix}_course`);
    opened.push({ close: () => courseDb.drop() });
    const catalogDb: TestDatabase = await createMariaDbDatabase(`${prefix}_catalog`);
    opened.push({ close: () => catalogDb.drop() });
    const db: Database = connectDatabase(courseDb.url);
    opened.push(db);
    const outbox = createOutbox({
      dialect: 'mysql',
      mode: 'insert-then-delete',
      tracing: options.tracing === true,
    });
    await migrate(db, outbox);
    const courses = await buildApp({ db, outbox });
    opened.push(courses);
    const relay = await startRelay({
      workerProperties: workerConfig(prefix, {
        'rest.port': '0',
        'offset.storage.partitions': '1',
        // The spans are recorded by this process's in-memory exporter, which a task thread (with an SDK of
        // its own, from the OTEL_* variables) would not report to.
        ...(options.tracing === true ? { 'task.isolation': 'none' } : {}),
      }),
      env: {},
      connectors: [
        {
          name: prefix,
          config: {
            ...mysqlSourceConfig({ database: courseDb.name }),
            'topic.prefix': prefix,
            ...stringConverters,
            ...eventRouterConfig(`${prefix}.\${routedByValue}`, {
              'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
            }),
          },
        },
      ],
    });
    opened.push(relay);
    await waitForRunning(relay.url, prefix);
    const topic = `${prefix}.Course`;
    const catalog = await startCatalogService(
      {
        databaseUrl: catalogDb.url,
        port: 0,
        host: '127.0.0.1',
        kafkaBootstrapServers: [kafkaBootstrap],
        kafkaClientProperties: {},
        groupId: `${prefix}-catalog`,
        topic,
        logLevel: 'warn',
      },
      { logger: pino({ level: 'warn' }) },
    );
    opened.push(catalog);
    return { courses, catalog, relay, topic, courseDatabase: courseDb.name, close };
  } catch (error) {
    await close();
    throw error;
  }
}
