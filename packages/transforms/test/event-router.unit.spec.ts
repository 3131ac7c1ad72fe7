// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${name}' is Java's regex replacement syntax here, not a template
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelayError, type Schema, type SourceRecord } from '@outflow/relay-core';
import { recordingLogger } from '@outflow/testing';
import {
  changeEvent,
  defaultColumns,
  defaultRow,
  router,
  seedColumns,
  seedPayload,
  seedProps,
  seedRow,
  tombstone,
  withoutColumn,
} from './change-events.ts';

function isTransformFailure(...fragments: string[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof RelayError, `expected a RelayError, got ${String(err)}`);
    assert.equal(err.code, 'TRANSFORM_FAILED');
    for (const f of fragments) assert.ok(err.message.includes(f), `'${err.message}' should mention '${f}'`);
    return true;
  };
}

function routed(record: SourceRecord | null): SourceRecord {
  assert.ok(record !== null, 'expected a routed record');
  return record;
}

const int32: Schema = { type: 'int32', optional: true };
const int64: Schema = { type: 'int64', optional: false };

describe('EventRouter: the seed outbox row', () => {
  it('routes the create to outbox.event.Course, keyed by the aggregate id, valued by the payload', () => {
    const out = routed(router(seedProps).apply(changeEvent({ op: 'c', after: seedRow })));
    assert.equal(out.topic, 'outbox.event.Course');
    assert.equal(out.key, 'bc32dd3f-2334-43d9-9493-71b538510efe');
    assert.deepEqual(out.keySchema, { type: 'string', optional: false });
    assert.equal(out.value, seedPayload);
    assert.deepEqual(out.valueSchema, {
      type: 'string',
      optional: false,
      name: 'io.debezium.data.Json',
      version: 1,
    });
    assert.deepEqual(out.headers, [{ key: 'id', value: '33319dbb-358c-4f06-8e60-c82b81eab769' }]);
    assert.equal(out.timestamp, 1676598823103);
    assert.equal(out.kafkaPartition, undefined);
    assert.deepEqual(out.sourcePartition, { server: 'dbserver1' });
    assert.deepEqual(out.sourceOffset, { file: 'binlog.000015', pos: 13396 });
  });

  it('drops the delete that follows (insert-then-delete) silently, and its tombstone', () => {
    const logger = recordingLogger();
    const transform = router(seedProps, logger);
    const deleted = changeEvent({ op: 'd', before: seedRow });
    assert.equal(transform.apply(deleted), null);
    assert.equal(transform.apply(tombstone(deleted)), null);
    assert.deepEqual(
      logger.entries.filter((e) => e.level !== 'debug'),
      [],
    );
    // What the task tells its source: deleted rows need not be read at all.
    assert.equal(transform.dropsDeletes, true);
  });

  it('routes a snapshot read (op=r) like a create', () => {
    const out = routed(router(seedProps).apply(changeEvent({ op: 'r', after: seedRow })));
    assert.equal(out.topic, 'outbox.event.Course');
    assert.equal(out.value, seedPayload);
  });

  it('fails naming the column and the option when the defaults do not fit the table', () => {
    assert.throws(
      () => router().apply(changeEvent({ op: 'c', after: seedRow })),
      isTransformFailure("'aggregatetype'", 'route.by.field', 'aggregate_type'),
    );
    assert.throws(
      () => router({ 'route.by.field': 'aggregate_type' }).apply(changeEvent({ op: 'c', after: seedRow })),
      isTransformFailure("'aggregateid'", 'table.field.event.key'),
    );
  });
});

describe('EventRouter: operations', () => {
  const update = (): SourceRecord => changeEvent({ op: 'u', before: seedRow, after: seedRow });

  it('table.op.invalid.behavior=warn (default) logs a warning and drops an update', () => {
    const logger = recordingLogger();
    assert.equal(router(seedProps, logger).apply(update()), null);
    assert.deepEqual(
      logger.entries.map((e) => e.level),
      ['warn'],
    );
  });

  it('table.op.invalid.behavior=error logs an error and drops an update', () => {
    const logger = recordingLogger();
    assert.equal(
      router({ ...seedProps, 'table.op.invalid.behavior': 'error' }, logger).apply(update()),
      null,
    );
    assert.deepEqual(
      logger.entries.map((e) => e.level),
      ['error'],
    );
  });

  it('table.op.invalid.behavior=fatal fails the connector on an update', () => {
    assert.throws(
      () => router({ ...seedProps, 'table.op.invalid.behavior': 'fatal' }).apply(update()),
      isTransformFailure('update', 'fatal'),
    );
  });

  it('fails on an operation without an after row (truncate)', () => {
    assert.throws(() => router(seedProps).apply(changeEvent({ op: 't' })), isTransformFailure("op 't'"));
  });

  it('passes records that are not change events unchanged (heartbeats, schema changes, schemaless)', () => {
    const heartbeat: SourceRecord = {
      ...changeEvent({ op: 'c', after: seedRow }),
      valueSchema: {
        type: 'struct',
        optional: false,
        name: 'io.debezium.connector.common.Heartbeat',
        fields: [],
      },
      value: { ts_ms: 1 },
    };
    assert.equal(router(seedProps).apply(heartbeat), heartbeat);
    const schemaless: SourceRecord = { ...heartbeat, valueSchema: null };
    assert.equal(router(seedProps).apply(schemaless), schemaless);
  });
});

describe('EventRouter: columns', () => {
  it('uses Debezium’s default column names', () => {
    const out = routed(
      router().apply(changeEvent({ op: 'c', columns: defaultColumns, after: defaultRow() })),
    );
    assert.equal(out.topic, 'outbox.event.Order');
    assert.equal(out.key, '42');
    assert.equal(out.value, '{"id":42}');
    assert.deepEqual(out.headers, [{ key: 'id', value: 'e-1' }]);
  });

  it('table.field.event.id names the id column; a numeric id becomes a text header', () => {
    const columns = [...defaultColumns.filter((c) => c.name !== 'id'), { name: 'event_id', schema: int64 }];
    const after = withoutColumn(defaultRow({ event_id: 7 }), 'id');
    const out = routed(
      router({ 'table.field.event.id': 'event_id' }).apply(changeEvent({ op: 'c', columns, after })),
    );
    assert.deepEqual(out.headers, [{ key: 'id', value: '7' }]);
    assert.throws(
      () => router().apply(changeEvent({ op: 'c', columns, after })),
      isTransformFailure("'id'", 'table.field.event.id'),
    );
  });

  it('table.field.event.key keeps the key column’s schema', () => {
    const columns = [...defaultColumns, { name: 'order_no', schema: int64 }];
    const out = routed(
      router({ 'table.field.event.key': 'order_no' }).apply(
        changeEvent({ op: 'c', columns, after: { ...defaultRow(), order_no: 1001 } }),
      ),
    );
    assert.equal(out.key, 1001);
    assert.deepEqual(out.keySchema, int64);
  });

  it('table.field.event.payload names the payload column', () => {
    const columns = [
      ...defaultColumns.filter((c) => c.name !== 'payload'),
      { name: 'body', schema: { type: 'string', optional: false } as Schema },
    ];
    const after = withoutColumn(defaultRow({ body: 'hello' }), 'payload');
    const out = routed(
      router({ 'table.field.event.payload': 'body' }).apply(changeEvent({ op: 'c', columns, after })),
    );
    assert.equal(out.value, 'hello');
    assert.throws(
      () => router().apply(changeEvent({ op: 'c', columns, after })),
      isTransformFailure("'payload'", 'table.field.event.payload'),
    );
  });

  it('table.field.event.type (default type) is emitted only when placed', () => {
    const event = changeEvent({ op: 'c', columns: defaultColumns, after: defaultRow() });
    const plain = routed(router({ 'table.field.event.type': 'type' }).apply(event));
    assert.deepEqual(
      plain.headers.map((h) => h.key),
      ['id'],
    );
    const placed = routed(
      router({ 'table.fields.additional.placement': 'type:header:eventType' }).apply(event),
    );
    assert.deepEqual(placed.headers, [
      { key: 'id', value: 'e-1' },
      { key: 'eventType', value: 'OrderCreated' },
    ]);
  });

  it('fails when the route column is null or not a string', () => {
    const nulled = changeEvent({
      op: 'c',
      columns: defaultColumns,
      after: defaultRow({ aggregatetype: null }),
    });
    assert.throws(() => router().apply(nulled), isTransformFailure("'aggregatetype'", 'null'));
    const columns = defaultColumns.map((c) =>
      c.name === 'aggregatetype' ? { name: c.name, schema: int64 } : c,
    );
    const numeric = changeEvent({ op: 'c', columns, after: defaultRow({ aggregatetype: 5 }) });
    assert.throws(() => router().apply(numeric), isTransformFailure('string column'));
  });

  it('keeps the headers the record already had, before id', () => {
    const event = changeEvent({
      op: 'c',
      columns: defaultColumns,
      after: defaultRow(),
      headers: [{ key: 'trace', value: 'abc' }],
    });
    assert.deepEqual(routed(router().apply(event)).headers, [
      { key: 'trace', value: 'abc' },
      { key: 'id', value: 'e-1' },
    ]);
  });
});

describe('EventRouter: table.field.event.timestamp', () => {
  const withTimestamp = (schema: Schema, value: unknown, tsMs?: number | null): SourceRecord =>
    changeEvent({
      op: 'c',
      columns: [...defaultColumns, { name: 'created', schema }],
      after: defaultRow({ created: value }),
      ...(tsMs === undefined ? {} : { tsMs }),
    });
  const props = { 'table.field.event.timestamp': 'created' };

  it('unset: the envelope ts_ms; no ts_ms: no timestamp', () => {
    assert.equal(routed(router().apply(withTimestamp(int64, 5))).timestamp, 1676598823103);
    assert.equal(routed(router().apply(withTimestamp(int64, 5, null))).timestamp, undefined);
  });

  it('reads io.debezium.time.Timestamp, MicroTimestamp and NanoTimestamp columns', () => {
    const named = (name: string): Schema => ({ type: 'int64', optional: true, name, version: 1 });
    const t = 1676598822000;
    assert.equal(
      routed(router(props).apply(withTimestamp(named('io.debezium.time.Timestamp'), t))).timestamp,
      t,
    );
    assert.equal(
      routed(router(props).apply(withTimestamp(named('io.debezium.time.MicroTimestamp'), t * 1000 + 999)))
        .timestamp,
      t,
    );
    assert.equal(
      routed(
        router(props).apply(
          withTimestamp(named('io.debezium.time.NanoTimestamp'), BigInt(t) * 1_000_000n + 5n),
        ),
      ).timestamp,
      t,
    );
  });

  it('reads the seed’s ZonedTimestamp column', () => {
    const out = routed(
      router({ ...seedProps, 'table.field.event.timestamp': 'timestamp' }).apply(
        changeEvent({ op: 'c', after: seedRow }),
      ),
    );
    assert.equal(out.timestamp, Date.parse('2023-02-17T01:53:42Z'));
  });

  it('falls back to ts_ms when the column is null', () => {
    const schema: Schema = { type: 'int64', optional: true, name: 'io.debezium.time.Timestamp' };
    assert.equal(routed(router(props).apply(withTimestamp(schema, null))).timestamp, 1676598823103);
  });

  it('fails on a column without a logical timestamp type, or a missing column', () => {
    assert.throws(
      () => router(props).apply(withTimestamp(int64, 5)),
      isTransformFailure('without a logical timestamp type'),
    );
    const date: Schema = { type: 'int32', optional: true, name: 'io.debezium.time.Date' };
    assert.throws(
      () => router(props).apply(withTimestamp(date, 5)),
      isTransformFailure('io.debezium.time.Date'),
    );
    assert.throws(
      () => router({ 'table.field.event.timestamp': 'nope' }).apply(withTimestamp(int64, 5)),
      isTransformFailure("'nope'", 'table.field.event.timestamp'),
    );
  });
});

describe('EventRouter: table.fields.additional.placement', () => {
  const columns = [
    ...defaultColumns,
    { name: 'tenant', schema: { type: 'string', optional: true } as Schema },
    { name: 'shard', schema: int32 },
  ];
  const event = (overrides = {}): SourceRecord =>
    changeEvent({ op: 'c', columns, after: defaultRow({ tenant: 'acme', shard: 3, ...overrides }) });

  it('header placements, with and without alias, after id', () => {
    const out = routed(
      router({ 'table.fields.additional.placement': 'tenant:header,type:header:eventType' }).apply(event()),
    );
    assert.deepEqual(out.headers, [
      { key: 'id', value: 'e-1' },
      { key: 'tenant', value: 'acme' },
      { key: 'eventType', value: 'OrderCreated' },
    ]);
    assert.equal(out.value, '{"id":42}');
  });

  it('envelope placements make the value a struct {payload, <aliases>} named after the routed value', () => {
    const out = routed(
      router({ 'table.fields.additional.placement': 'type:envelope:eventType,tenant:envelope' }).apply(
        event(),
      ),
    );
    assert.deepEqual(out.value, { payload: '{"id":42}', eventType: 'OrderCreated', tenant: 'acme' });
    assert.deepEqual(out.valueSchema, {
      type: 'struct',
      optional: false,
      name: 'dbserver1.course.outbox.Order.Value',
      fields: [
        { name: 'payload', schema: { type: 'string', optional: true } },
        { name: 'eventType', schema: { type: 'string', optional: false } },
        { name: 'tenant', schema: { type: 'string', optional: true } },
      ],
    });
  });

  it('a partition placement sets the Kafka partition from an int32 column', () => {
    assert.equal(
      routed(router({ 'table.fields.additional.placement': 'shard:partition' }).apply(event()))
        .kafkaPartition,
      3,
    );
    assert.equal(
      routed(router({ 'table.fields.additional.placement': 'shard:partition' }).apply(event({ shard: null })))
        .kafkaPartition,
      undefined,
    );
    assert.throws(
      () => router({ 'table.fields.additional.placement': 'aggregateid:partition' }).apply(event()),
      isTransformFailure('int32'),
    );
  });

  it('a missing column fails (table.fields.additional.error.on.missing=true, the default)', () => {
    assert.throws(
      () => router({ 'table.fields.additional.placement': 'region:header' }).apply(event()),
      isTransformFailure("'region'", 'table.fields.additional.error.on.missing=false'),
    );
  });

  it('a missing column is skipped with table.fields.additional.error.on.missing=false', () => {
    const out = routed(
      router({
        'table.fields.additional.placement': 'region:header,region:envelope:where,tenant:envelope',
        'table.fields.additional.error.on.missing': 'false',
      }).apply(event()),
    );
    assert.deepEqual(out.headers, [{ key: 'id', value: 'e-1' }]);
    assert.deepEqual(out.value, { payload: '{"id":42}', tenant: 'acme' });
  });

  it('table.field.event.schema.version versions the struct value schema', () => {
    const versioned = [
      ...columns,
      { name: 'schema_version', schema: { type: 'int32', optional: false } as Schema },
    ];
    const record = changeEvent({
      op: 'c',
      columns: versioned,
      after: defaultRow({ tenant: 'a', shard: 1, schema_version: 4 }),
    });
    const props = { 'table.fields.additional.placement': 'tenant:envelope' };
    assert.equal(routed(router(props).apply(record)).valueSchema?.version, undefined);
    const out = routed(
      router({ ...props, 'table.field.event.schema.version': 'schema_version' }).apply(record),
    );
    assert.equal(out.valueSchema?.version, 4);
    assert.equal(out.valueSchema?.name, 'dbserver1.course.outbox.Order.Value');
  });
});

describe('EventRouter: table.expand.json.payload', () => {
  it('false (default): the payload stays the JSON string', () => {
    const out = routed(
      router({ ...seedProps, 'table.expand.json.payload': 'false' }).apply(
        changeEvent({ op: 'c', after: seedRow }),
      ),
    );
    assert.equal(out.value, seedPayload);
  });

  it('true: the seed payload becomes a struct with an inferred schema', () => {
    const out = routed(
      router({ ...seedProps, 'table.expand.json.payload': 'true' }).apply(
        changeEvent({ op: 'c', after: seedRow }),
      ),
    );
    assert.deepEqual(out.value, {
      name: 'MSA 파헤치기',
      posted: true,
      courseId: 'bc32dd3f-2334-43d9-9493-71b538510efe',
      teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
      thumbnail: 'msa_course.jpeg',
      description: 'MSA의 모든 것을 가르쳐 드립니다.',
      registeredAt: 1676458941000,
      lastUpdatedAt: 1676598812000,
    });
    assert.equal(out.valueSchema?.type, 'struct');
    assert.equal(out.valueSchema?.name, 'payload');
    assert.deepEqual(
      out.valueSchema?.fields?.map((f) => `${f.name}:${f.schema.type}`),
      [
        'name:string',
        'posted:boolean',
        'courseId:string',
        'teacherId:string',
        'thumbnail:string',
        'description:string',
        'registeredAt:int64',
        'lastUpdatedAt:int64',
      ],
    );
  });

  it('true with an envelope placement: the expanded struct is the payload field', () => {
    const out = routed(
      router({
        'table.expand.json.payload': 'true',
        'table.fields.additional.placement': 'type:envelope',
      }).apply(changeEvent({ op: 'c', columns: defaultColumns, after: defaultRow() })),
    );
    assert.deepEqual(out.value, { payload: { id: 42 }, type: 'OrderCreated' });
    assert.deepEqual(out.valueSchema?.fields?.[0], {
      name: 'payload',
      schema: {
        type: 'struct',
        optional: true,
        name: 'payload',
        fields: [{ name: 'id', schema: { type: 'int32', optional: true } }],
      },
    });
  });

  it('true with text that is not JSON: warns and passes the string with its schema', () => {
    const logger = recordingLogger();
    const event = changeEvent({
      op: 'c',
      columns: defaultColumns,
      after: defaultRow({ payload: '{not json' }),
    });
    const out = routed(router({ 'table.expand.json.payload': 'true' }, logger).apply(event));
    assert.equal(out.value, '{not json');
    assert.deepEqual(out.valueSchema, { type: 'string', optional: true });
    assert.deepEqual(
      logger.entries.map((e) => [e.level, e.msg]),
      [['warn', 'outbox: JSON expansion failed']],
    );
  });

  it('true with a payload that is not a string: warns and passes it', () => {
    const logger = recordingLogger();
    const event = changeEvent({ op: 'c', columns: defaultColumns, after: defaultRow({ payload: null }) });
    assert.equal(routed(router({ 'table.expand.json.payload': 'true' }, logger).apply(event)).value, null);
    assert.equal(logger.entries[0]?.level, 'warn');
  });

  it('table.json.payload.null.behavior: ignore (default) drops null fields, optional_bytes keeps them', () => {
    const event = changeEvent({
      op: 'c',
      columns: defaultColumns,
      after: defaultRow({ payload: '{"a":1,"b":null}' }),
    });
    const ignore = routed(router({ 'table.expand.json.payload': 'true' }).apply(event));
    assert.deepEqual(ignore.value, { a: 1 });
    const bytes = routed(
      router({
        'table.expand.json.payload': 'true',
        'table.json.payload.null.behavior': 'optional_bytes',
      }).apply(event),
    );
    assert.deepEqual(bytes.value, { a: 1, b: null });
    assert.deepEqual(bytes.valueSchema?.fields?.[1], {
      name: 'b',
      schema: { type: 'bytes', optional: true },
    });
  });
});

describe('EventRouter: routing', () => {
  const event = (aggregatetype: string): SourceRecord =>
    changeEvent({ op: 'c', columns: defaultColumns, after: defaultRow({ aggregatetype }) });

  it('route.topic.replacement with the default regex', () => {
    assert.equal(
      routed(router({ 'route.topic.replacement': 'events.${routedByValue}' }).apply(event('Order'))).topic,
      'events.Order',
    );
  });

  it('route.topic.regex capturing part of the value, with a numbered group', () => {
    const props = { 'route.topic.regex': 'shop_(.*)', 'route.topic.replacement': 'shop.$1.events' };
    assert.equal(routed(router(props).apply(event('shop_Order'))).topic, 'shop.Order.events');
  });

  it('a value the regex does not match is the topic as it is (Kafka RegexRouter)', () => {
    const props = {
      'route.topic.regex': '(?<routedByValue>Course|Order)',
      'route.topic.replacement': 'x.${routedByValue}',
    };
    assert.equal(routed(router(props).apply(event('Order'))).topic, 'x.Order');
    assert.equal(routed(router(props).apply(event('User'))).topic, 'User');
  });
});

describe('EventRouter: route.tombstone.on.empty.payload', () => {
  const event = (payload: string | null): SourceRecord =>
    changeEvent({ op: 'c', columns: defaultColumns, after: defaultRow({ payload }) });

  it('false (default): an empty payload is emitted as it is', () => {
    const out = routed(router().apply(event('')));
    assert.equal(out.value, '');
    assert.deepEqual(out.valueSchema, { type: 'string', optional: true });
  });

  it('true: an empty, blank or null payload becomes a tombstone keyed by the aggregate id', () => {
    const props = { 'route.tombstone.on.empty.payload': 'true' };
    for (const payload of ['', '  \n', null]) {
      const out = routed(router(props).apply(event(payload)));
      assert.equal(out.value, null);
      assert.equal(out.valueSchema, null);
      assert.equal(out.key, '42');
      assert.equal(out.topic, 'outbox.event.Order');
      assert.deepEqual(out.headers, [{ key: 'id', value: 'e-1' }]);
    }
    assert.equal(routed(router(props).apply(event('{}'))).value, '{}');
  });

  it('true with envelope placements: still a tombstone', () => {
    const out = routed(
      router({
        'route.tombstone.on.empty.payload': 'true',
        'table.fields.additional.placement': 'type:envelope',
      }).apply(event('')),
    );
    assert.equal(out.value, null);
    assert.equal(out.valueSchema, null);
  });
});

describe('EventRouter: seed columns', () => {
  it('the fixture matches the seed message’s column list', () => {
    assert.deepEqual(
      seedColumns.map((c) => c.name),
      ['id', 'aggregate_type', 'aggregate_id', 'type', 'payload', 'timestamp'],
    );
  });
});
