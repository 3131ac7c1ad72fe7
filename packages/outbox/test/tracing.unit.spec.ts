import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { parentOf, recordSpans, type SpanRecorder } from '@outflow/testing/tracing';
import { createOutbox, migrate } from '../src/index.ts';
import { toJavaProperties } from '../src/tracing.ts';
import { event, RecordingExecutor } from './support.ts';

describe('span context column', () => {
  it('is java.util.Properties text that escapes what Properties.load would read differently', () => {
    assert.equal(
      toJavaProperties({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
      'traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n',
    );
    assert.equal(
      toJavaProperties({ tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', 'a key': ' #x:y!\\é\n' }),
      'tracestate=congo\\=t61rcWkgMzE,rojo\\=00f067aa0ba902b7\na\\ key=\\ \\#x\\:y\\!\\\\\\u00E9\\n\n',
    );
  });

  it('is not written, nor named in the INSERT, without the tracing option (older tables lack it)', async () => {
    const executor = new RecordingExecutor();
    await createOutbox({ dialect: 'mysql', mode: 'keep' }).write(executor, event());
    assert.doesNotMatch(executor.calls[0]?.sql ?? '', /tracingspancontext/);
    assert.equal(executor.calls[0]?.values.length, 5);
  });

  it('is NULL with the tracing option while no OpenTelemetry SDK is registered', async () => {
    const executor = new RecordingExecutor();
    await createOutbox({ dialect: 'postgres', mode: 'keep', tracing: true }).write(executor, event());
    assert.match(
      executor.calls[0]?.sql ?? '',
      /"tracingspancontext"\) VALUES \(\$1, \$2, \$3, \$4, \$5, \$6\)/,
    );
    assert.equal(executor.calls[0]?.values[5], null);
  });

  it('migrate with tracing adds the column to an existing table', async () => {
    const executor = new RecordingExecutor();
    await migrate(executor, createOutbox({ dialect: 'postgres', tracing: true }));
    assert.equal(
      executor.calls.at(-1)?.sql,
      'ALTER TABLE "outbox" ADD COLUMN IF NOT EXISTS "tracingspancontext" text NULL',
    );
    const mysql = new RecordingExecutor();
    mysql.failOn = /^ALTER/;
    mysql.failWith = Object.assign(new Error("Duplicate column name 'tracingspancontext'"), {
      code: 'ER_DUP_FIELDNAME',
    });
    await migrate(mysql, createOutbox({ dialect: 'mysql', tracing: true }));
    mysql.failWith = Object.assign(new Error('no such table'), { code: 'ER_NO_SUCH_TABLE' });
    await assert.rejects(migrate(mysql, createOutbox({ dialect: 'mysql', tracing: true })), /no such table/);
  });
});

describe('outbox-write span', () => {
  let recorder: SpanRecorder;
  before(() => {
    recorder = recordSpans();
  });
  after(() => recorder.close());

  it('is a child of the caller’s span, and its context is what the row carries', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', tracing: true });
    const request = trace.getTracer('test').startSpan('POST /courses/:id/post');
    await context.with(trace.setSpan(context.active(), request), () =>
      outbox.write(executor, [event(), event({ id: undefined })]),
    );
    request.end();
    const written = recorder.spans().find((s) => s.name === 'outbox-write');
    assert.ok(written, 'an outbox-write span was recorded');
    assert.equal(parentOf(written), request.spanContext().spanId);
    assert.equal(written.spanContext().traceId, request.spanContext().traceId);
    assert.equal(written.attributes['outflow.outbox.events'], 2);
    const { traceId, spanId } = written.spanContext();
    const expected = `traceparent=00-${traceId}-${spanId}-01\n`;
    assert.deepEqual(
      executor.calls[0]?.values.filter((_, i) => i % 6 === 5),
      [expected, expected],
    );
  });
});
