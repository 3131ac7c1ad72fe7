import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SourceRecord, Struct } from '@outflow/relay-core';
import { recordingLogger } from '@outflow/testing';
import { parentOf, recordSpans, type SpanRecorder } from '@outflow/testing/tracing';
import { activateTracingSpanPlugin, eventRouterConfigDef, parseJavaProperties } from '../src/index.ts';
import { changeEvent, defaultColumns, defaultRow, router } from './change-events.ts';

const recordingLoggerStub = recordingLogger();

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const WRITER_SPAN = 'b7ad6b7169203331';
const columns = [
  ...defaultColumns,
  { name: 'tracingspancontext', schema: { type: 'string' as const, optional: true } },
];

function outboxRow(overrides: Struct = {}): SourceRecord {
  const record = changeEvent({
    op: 'c',
    columns,
    table: 'dbserver1.shop.outbox',
    after: defaultRow({
      tracingspancontext: `#Thu Jan 01 00:00:00 UTC 2026\ntraceparent=00-${TRACE}-${WRITER_SPAN}-01\ntracestate=congo\\=t61rcWkgMzE\n`,
      ...overrides,
    }),
  });
  const value = record.value as Struct;
  return {
    ...record,
    value: { ...value, source: { connector: 'mysql', name: 'dbserver1', db: 'shop', ts_ms: 1676598823000 } },
  };
}

function headerText(record: SourceRecord | null, key: string): string | undefined {
  const header = record?.headers.find((h) => h.key === key);
  return typeof header?.value === 'string' ? header.value : undefined;
}

describe('java.util.Properties text', () => {
  it('reads what Properties.store writes, comments, separators, escapes and continuations', () => {
    const parsed = parseJavaProperties(
      '#comment\n! other\n  traceparent=00-a-b-01\ntracestate = k\\=v,x\\:y\nspaced\\ key value\\u00E9\\\n   continued\nempty\n',
    );
    assert.deepEqual(Object.fromEntries(parsed), {
      traceparent: '00-a-b-01',
      tracestate: 'k=v,x:y',
      'spaced key': 'valueécontinued',
      empty: '',
    });
  });
});

describe('EventRouter tracing without an OpenTelemetry SDK', () => {
  it('adds nothing: the record is what Debezium writes without tracing', () => {
    const out = router().apply(outboxRow());
    assert.deepEqual(out?.headers, [{ key: 'id', value: 'e-1' }]);
  });
});

describe('EventRouter tracing with an OpenTelemetry SDK', () => {
  let recorder: SpanRecorder;
  before(() => {
    recorder = recordSpans();
  });
  after(() => recorder.close());

  it('continues the row’s trace: db-log-write → debezium-read, whose context is in traceparent before id', () => {
    recorder.reset();
    const out = router().apply(outboxRow());
    const spans = recorder.spans();
    const logWrite = spans.find((s) => s.name === 'db-log-write');
    const read = spans.find((s) => s.name === 'debezium-read');
    assert.ok(logWrite && read, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(logWrite.spanContext().traceId, TRACE);
    assert.equal(parentOf(logWrite), WRITER_SPAN);
    assert.equal(parentOf(read), logWrite.spanContext().spanId);
    assert.equal(logWrite.attributes['db.instance'], 'shop');
    assert.equal(logWrite.attributes['db.type'], 'mysql');
    assert.equal(logWrite.attributes['db.cdc-name'], 'dbserver1');
    assert.equal(read.attributes.op, 'c');
    assert.deepEqual(logWrite.startTime, [1676598823, 0]);
    assert.deepEqual(
      out?.headers.map((h) => h.key),
      ['traceparent', 'tracestate', 'id'],
    );
    assert.equal(headerText(out, 'traceparent'), `00-${TRACE}-${read.spanContext().spanId}-01`);
    assert.equal(headerText(out, 'tracestate'), 'congo=t61rcWkgMzE');
  });

  it('starts a new trace for a row without a span context, unless tracing.with.context.field.only', () => {
    recorder.reset();
    const out = router().apply(outboxRow({ tracingspancontext: null }));
    const read = recorder.spans().find((s) => s.name === 'debezium-read');
    assert.ok(read);
    assert.notEqual(read.spanContext().traceId, TRACE);
    assert.match(headerText(out, 'traceparent') ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    recorder.reset();
    const only = router({ 'tracing.with.context.field.only': 'true' }).apply(
      outboxRow({ tracingspancontext: null }),
    );
    assert.deepEqual(only?.headers, [{ key: 'id', value: 'e-1' }]);
    assert.equal(recorder.spans().length, 0);
  });

  it('names the processing span after tracing.operation.name and reads tracing.span.context.field', () => {
    recorder.reset();
    const record = outboxRow({ tracingspancontext: null, ctx: `traceparent=00-${TRACE}-${WRITER_SPAN}-01` });
    const out = router({ 'tracing.span.context.field': 'ctx', 'tracing.operation.name': 'relay-read' }).apply(
      record,
    );
    const read = recorder.spans().find((s) => s.name === 'relay-read');
    assert.equal(read?.spanContext().traceId, TRACE);
    assert.ok(headerText(out, 'traceparent')?.includes(TRACE));
  });

  it('ActivateTracingSpan does the same for change events that are not routed, keeping the event', () => {
    recorder.reset();
    const transform = activateTracingSpanPlugin.create(
      activateTracingSpanPlugin.configDef.parse({}).values,
      recordingLoggerStub,
    );
    const record = outboxRow();
    const out = transform.apply(record);
    assert.equal(out?.value, record.value, 'the change event itself is unchanged');
    assert.equal(out?.topic, record.topic);
    assert.deepEqual(
      out?.headers.map((h) => h.key),
      ['traceparent', 'tracestate'],
    );
    const read = recorder.spans().find((s) => s.name === 'debezium-read');
    assert.equal(headerText(out, 'traceparent'), `00-${TRACE}-${read?.spanContext().spanId}-01`);
    assert.ok(eventRouterConfigDef.has('tracing.operation.name'), 'one declaration serves both transforms');
  });
});
