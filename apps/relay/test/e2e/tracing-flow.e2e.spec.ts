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
import { uniqueName } from '@outflow/testing';
import { parentOf, type ReadableSpan, recordSpans, type SpanRecorder } from '@outflow/testing/tracing';
import { startWholeFlow, type WholeFlow } from '../support/whole-flow.ts';

const prefix = uniqueName('traced');

let recorder: SpanRecorder;

let flow: WholeFlow;

before(async () => {
  recorder = recordSpans();
  flow = await startWholeFlow(prefix, { tracing: true });
});

after(async () => {
  await flow?.close();
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
    const created = await flow.courses.inject({
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
    const posted = await flow.courses.inject({ method: 'POST', url: `/courses/${courseId}/post` });
    assert.ok(posted.statusCode < 300, posted.body);

    const request = await spanEnds((s) => s.name === 'POST /courses/:courseId/post');
    const traceId = request.spanContext().traceId;
    const inTrace = (name: string) => (s: ReadableSpan) =>
      s.name === name && s.spanContext().traceId === traceId;
    const handler = await spanEnds(inTrace(`${flow.topic} process`));
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
    assert.equal(logWrite.attributes['db.instance'], flow.courseDatabase);

    const shown = await fetch(`${flow.catalog.url}/catalog/courses/${courseId}`);
    assert.equal(shown.status, 200, 'the handler span ends after the catalog committed the course');
  });
});
