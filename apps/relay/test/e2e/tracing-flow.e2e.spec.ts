/**
 * One trace through the whole system, on the real MariaDB and Kafka: the course service's `POST …/post`
 * request span → the outbox writer's `outbox-write` span (its context stored in the `tracingspancontext`
 * column) → the relay's `db-log-write` and `debezium-read` spans (read from the binlog row, written as the
 * record's `traceparent` header) → the catalog's inbox handler span, inside which the catalog writes. All
 * three run in this process with one in-memory span exporter, as each would with its own SDK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { type StartedCatalogService, startCatalogService } from '@outflow/catalog-service';
import { buildApp, connectDatabase, type Database, migrate } from '@outflow/course-service';
import { createOutbox } from '@outflow/outbox';
import { createMariaDbDatabase, kafkaBootstrap, type TestDatabase, uniqueName } from '@outflow/testing';
import { parentOf, type ReadableSpan, recordSpans, type SpanRecorder } from '@outflow/testing/tracing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  stringConverters,
  workerConfig,
} from '../support/connectors.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const prefix = uniqueName('traced');
const topic = `${prefix}.Course`;

let recorder: SpanRecorder;
let courseDb: TestDatabase;
let catalogDb: TestDatabase;
let db: Database;
let courses: FastifyInstance;
let catalog: StartedCatalogService;
let relay: RunningRelay;

before(async () => {
  recorder = recordSpans();
  courseDb = await createMariaDbDatabase('traced_course');
  catalogDb = await createMariaDbDatabase('traced_catalog');
  db = connectDatabase(courseDb.url);
  const outbox = createOutbox({ dialect: 'mysql', mode: 'insert-then-delete', tracing: true });
  await migrate(db, outbox);
  courses = await buildApp({ db, outbox });
  relay = await startRelay({
    workerProperties: workerConfig(prefix, { 'rest.port': '0', 'offset.storage.partitions': '1' }),
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
  await waitForRunning(relay.url, prefix);
  catalog = await startCatalogService(
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
});

after(async () => {
  await catalog?.close();
  await relay?.close();
  await courses?.close();
  await db?.close();
  await courseDb?.drop();
  await catalogDb?.drop();
  await recorder?.close();
});

/** Waits until a span matching `accept` has ended (the catalog's handler span ends after its commit). */
async function spanEnds(accept: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
  const began = Date.now();
  while (Date.now() - began < 20_000) {
    const found = recorder.spans().find(accept);
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(
    `no such span within 20 s; spans: ${recorder
      .spans()
      .map((s) => s.name)
      .join(', ')}`,
  );
}

describe('tracing: course service → relay → catalog service', () => {
  it('one trace runs from POST /courses/:courseId/post to the catalog handler that writes the course', async () => {
    const created = await courses.inject({
      method: 'POST',
      url: '/courses',
      payload: {
        name: 'Tracing 101',
        description: 'd',
        teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
        thumbnail: 't',
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { courseId } = created.json() as { courseId: string };
    const posted = await courses.inject({ method: 'POST', url: `/courses/${courseId}/post` });
    assert.ok(posted.statusCode < 300, posted.body);

    const request = await spanEnds((s) => s.name === 'POST /courses/:courseId/post');
    const traceId = request.spanContext().traceId;
    const inTrace = (name: string) => (s: ReadableSpan) =>
      s.name === name && s.spanContext().traceId === traceId;
    const handler = await spanEnds(inTrace(`${topic} process`));
    const write = await spanEnds(inTrace('outbox-write'));
    const logWrite = await spanEnds(inTrace('db-log-write'));
    const read = await spanEnds(inTrace('debezium-read'));

    assert.equal(request.kind, SpanKind.SERVER);
    assert.equal(parentOf(request), undefined, 'the request starts the trace');
    assert.equal(parentOf(write), request.spanContext().spanId, 'outbox-write is the request’s child');
    assert.equal(parentOf(logWrite), write.spanContext().spanId, 'the relay continues from the outbox row');
    assert.equal(parentOf(read), logWrite.spanContext().spanId);
    assert.equal(
      parentOf(handler),
      read.spanContext().spanId,
      'the inbox handler continues from traceparent',
    );
    assert.equal(handler.kind, SpanKind.CONSUMER);
    assert.equal(handler.attributes['outflow.event.type'], 'CoursePostedEvent');
    assert.equal(logWrite.attributes['db.instance'], courseDb.name);

    const shown = await fetch(`${catalog.url}/catalog/courses/${courseId}`);
    assert.equal(shown.status, 200, 'the handler span ends after the catalog committed the course');
  });
});
