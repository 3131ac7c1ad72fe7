/**
 * Tracing from a task thread (`task.isolation=thread`, the default), on the real MariaDB and Kafka: the thread
 * starts its own OpenTelemetry SDK from the `OTEL_*` variables, so the Event Router continues the outbox row's
 * trace there, writes its `traceparent` header and exports `debezium-read` over OTLP to the endpoint the
 * variables name (here a collector in this test that keeps what it is sent).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { createOutbox, migrate } from '@outflow/outbox';
import {
  collectTopics,
  createMariaDbDatabase,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import { recordSpans, type SpanRecorder } from '@outflow/testing/tracing';
import mysql from 'mysql2/promise';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import { eventRouterConfig, mysqlSourceConfig, workerConfig } from '../support/connectors.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const prefix = uniqueName('tthread');
const topicName = `${prefix}.events`;
const outbox = createOutbox({ dialect: 'mysql', tracing: true });
const exported: Buffer[] = [];
const savedEnv = { ...process.env };
let collector: Server;
let db: TestDatabase;
let conn: mysql.Connection;
let relay: RunningRelay;
let topic: TopicCollector;
let recorder: SpanRecorder;

before(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exported.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as { port: number };
  // Read by the task thread when it starts (a thread takes a copy of the environment).
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
  recorder = recordSpans();
  db = await createMariaDbDatabase('tthread');
  conn = await mysql.createConnection(db.url);
  await migrate(conn, outbox);
  topic = await collectTopics([topicName]);
  relay = await startRelay({
    workerProperties: workerConfig(prefix, { 'rest.port': '0', 'offset.storage.partitions': '1' }),
    env: {},
    connectors: [
      {
        name: prefix,
        config: {
          ...mysqlSourceConfig({ database: db.name }),
          'topic.prefix': prefix,
          ...eventRouterConfig(topicName),
        },
      },
    ],
  });
  await waitForRunning(relay.url, prefix);
});

after(async () => {
  await relay?.close();
  await topic?.close();
  await conn?.end();
  await db?.drop();
  await recorder?.close();
  await new Promise((resolve) => collector?.close(resolve));
  for (const key of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_BSP_SCHEDULE_DELAY'])
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
});

describe('tracing in a task thread', () => {
  it("continues the row's trace in the thread: traceparent on the record, debezium-read exported over OTLP", async () => {
    const traceId = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await conn.beginTransaction();
      await outbox.write(conn, [
        { aggregateType: 'Course', aggregateId: '1', type: 'CoursePosted', payload: {} },
      ]);
      await conn.commit();
      span.end();
      return span.spanContext().traceId;
    });
    await topic.waitFor((records) => records.length >= 1, { timeoutMs: 30_000 });
    const traceparent = topic.records[0]!.headers.traceparent;
    assert.ok(traceparent !== undefined, 'the record has a traceparent header');
    assert.equal(traceparent.split('-')[1], traceId);

    // OTLP/protobuf carries the trace id as 16 raw bytes and the span name as UTF-8.
    const deadline = Date.now() + 20_000;
    const found = () =>
      exported.some(
        (b) => b.includes(Buffer.from(traceId, 'hex')) && b.includes(Buffer.from('debezium-read')),
      );
    while (!found()) {
      if (Date.now() > deadline)
        throw new Error(`no debezium-read span of the trace exported (${exported.length} exports)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
