import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildChangeRecord,
  buildTableSchemas,
  type ColumnField,
  sourceBlockSchema,
  tombstoneFor,
} from '../src/envelope.ts';
import { createJsonConverter } from '../src/json-converter.ts';
import { field, type Schema, Schemas } from '../src/schema.ts';

/** The two messages Debezium 1.4 produced in the seed (create and delete of one outbox row). */
const seed = JSON.parse(
  readFileSync(new URL('./fixtures/seed-outbox-messages.json', import.meta.url), 'utf8'),
) as {
  create: { schema: JsonSchema; payload: Record<string, unknown> };
  delete: { schema: JsonSchema; payload: Record<string, unknown> };
};

type JsonSchema = Record<string, unknown>;

/** Kafka's JsonConverter.asJsonSchema, key order included: type, fields, optional, name, version, parameters, default, field. */
function toJsonSchema(schema: Schema): JsonSchema {
  const out: JsonSchema = { type: schema.type };
  if (schema.type === 'struct') {
    out.fields = (schema.fields ?? []).map((f) => ({ ...toJsonSchema(f.schema), field: f.name }));
  }
  out.optional = schema.optional;
  if (schema.name !== undefined) out.name = schema.name;
  if (schema.version !== undefined) out.version = schema.version;
  if (schema.doc !== undefined) out.doc = schema.doc;
  if (schema.parameters !== undefined) out.parameters = { ...schema.parameters };
  if (schema.default !== undefined) out.default = schema.default;
  return out;
}

/** Same shape as source-mysql's source block, so the test needs no dependency on it. */
const mysqlSource: Schema = sourceBlockSchema('io.debezium.connector.mysql.Source', [
  field('table', Schemas.string(true)),
  field('server_id', Schemas.int64()),
  field('gtid', Schemas.string(true)),
  field('file', Schemas.string()),
  field('pos', Schemas.int64()),
  field('row', Schemas.int32()),
  field('thread', Schemas.int64(true)),
  field('query', Schemas.string(true)),
]);

const outboxColumns: ColumnField[] = [
  { name: 'id', schema: Schemas.string() },
  { name: 'aggregate_type', schema: Schemas.string() },
  { name: 'aggregate_id', schema: Schemas.string() },
  { name: 'type', schema: Schemas.string() },
  { name: 'payload', schema: { type: 'string', optional: false, name: 'io.debezium.data.Json', version: 1 } },
  {
    name: 'timestamp',
    schema: {
      type: 'string',
      optional: false,
      name: 'io.debezium.time.ZonedTimestamp',
      version: 1,
      default: '1970-01-01T00:00:00Z',
    },
  },
];

const outbox = buildTableSchemas({
  topicPrefix: 'dbserver1',
  namespace: 'course',
  table: 'outbox',
  columns: outboxColumns,
  keyColumns: ['id'],
  sourceSchema: mysqlSource,
});

/**
 * Removes what Debezium 2.x/3.x added since the seed's 1.4: ts_us/ts_ns, source.sequence, more snapshot values,
 * the envelope and source versions, and the named `transaction` block moved after `source`.
 */
function asDebezium14(json: JsonSchema): JsonSchema {
  const copy = structuredClone(json) as { fields: JsonSchema[]; version?: number };
  delete copy.version;
  const transaction = copy.fields.find((f) => f.field === 'transaction')!;
  delete transaction.name;
  delete transaction.version;
  copy.fields = [
    ...copy.fields.filter((f) => !['ts_us', 'ts_ns', 'transaction'].includes(f.field as string)),
    transaction,
  ];
  const source = copy.fields.find((f) => f.field === 'source') as { fields: JsonSchema[]; version?: number };
  delete source.version;
  source.fields = source.fields.filter((f) => !['ts_us', 'ts_ns', 'sequence'].includes(f.field as string));
  const snapshot = source.fields.find((f) => f.field === 'snapshot')!;
  snapshot.parameters = { allowed: 'true,last,false' };
  return copy as unknown as JsonSchema;
}

describe('envelope', () => {
  it('builds the seed outbox envelope schema exactly, modulo the Debezium 2.x additions', () => {
    assert.deepEqual(asDebezium14(toJsonSchema(outbox.envelopeSchema)), seed.create.schema);
    // Byte-for-byte, as JsonConverter would serialise it.
    assert.equal(
      JSON.stringify(asDebezium14(toJsonSchema(outbox.envelopeSchema))),
      JSON.stringify(seed.create.schema),
    );
  });

  it('writes the Debezium 3 envelope: version 2, source version 1, transaction block event.block fourth', () => {
    const json = createJsonConverter({ schemasEnable: true })
      .fromConnectData('t', outbox.envelopeSchema, {
        before: null,
        after: null,
        source: {
          version: 'v',
          connector: 'mysql',
          name: 'n',
          ts_ms: 0,
          db: 'd',
          server_id: 1,
          file: 'f',
          pos: 4,
          row: 0,
        },
        transaction: null,
        op: 'c',
      })
      ?.toString();
    const schema = JSON.parse(json ?? '{}').schema as { fields: JsonSchema[] } & JsonSchema;
    assert.equal(schema.name, 'dbserver1.course.outbox.Envelope');
    assert.equal(schema.version, 2);
    assert.equal(schema.fields[2]!.version, 1);
    assert.ok(
      json?.includes(
        '{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"},{"type":"string","optional":false,"field":"op"}',
      ),
      json,
    );
    assert.ok(
      json?.endsWith(
        '"optional":false,"name":"dbserver1.course.outbox.Envelope","version":2},"payload":{"before":null,"after":null,"source":{"version":"v","connector":"mysql","name":"n","ts_ms":0,"snapshot":"false","db":"d","sequence":null,"ts_us":null,"ts_ns":null,"table":null,"server_id":1,"gtid":null,"file":"f","pos":4,"row":0,"thread":null,"query":null},"transaction":null,"op":"c","ts_ms":null,"ts_us":null,"ts_ns":null}}',
      ),
      json,
    );
  });

  it('places ts_us and ts_ns after ts_ms, in the envelope and in the source block', () => {
    const names = (outbox.envelopeSchema.fields ?? []).map((f) => f.name);
    assert.deepEqual(names, ['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns']);
    const source = (mysqlSource.fields ?? []).map((f) => f.name);
    assert.deepEqual(source.slice(0, 9), [
      'version',
      'connector',
      'name',
      'ts_ms',
      'snapshot',
      'db',
      'sequence',
      'ts_us',
      'ts_ns',
    ]);
  });

  it('names the topic and the key after prefix, database and table', () => {
    assert.equal(outbox.topic, 'dbserver1.course.outbox');
    assert.deepEqual(toJsonSchema(outbox.keySchema!), {
      type: 'struct',
      fields: [{ type: 'string', optional: false, field: 'id' }],
      optional: false,
      name: 'dbserver1.course.outbox.Key',
    });
  });

  it('builds create and delete payloads like the seed', () => {
    const createPayload = seed.create.payload as {
      after: Record<string, unknown>;
      source: Record<string, unknown>;
    };
    const source = {
      ...createPayload.source,
      sequence: null,
      ts_us: 1676598822000000,
      ts_ns: 1676598822000000000n,
    };
    const partition = { server: 'dbserver1' };
    const created = buildChangeRecord(outbox, {
      op: 'c',
      before: null,
      after: createPayload.after,
      source,
      processedAtUs: 1676598823103000,
      sourcePartition: partition,
      sourceOffset: { file: 'binlog.000015', pos: 13396 },
    });
    assert.equal(created.topic, 'dbserver1.course.outbox');
    assert.deepEqual(created.key, { id: '33319dbb-358c-4f06-8e60-c82b81eab769' });
    const value = created.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), [
      'before',
      'after',
      'source',
      'transaction',
      'op',
      'ts_ms',
      'ts_us',
      'ts_ns',
    ]);
    assert.equal(value.op, 'c');
    assert.equal(value.ts_ms, 1676598823103);
    assert.equal(value.ts_us, 1676598823103000);
    assert.equal(value.ts_ns, 1676598823103000000n);
    assert.equal(value.transaction, null);
    assert.deepEqual(value.after, createPayload.after);

    const deletePayload = seed.delete.payload as { before: Record<string, unknown> };
    const deleted = buildChangeRecord(outbox, {
      op: 'd',
      before: deletePayload.before,
      after: null,
      source,
      processedAtUs: 1676598823156000,
      sourcePartition: partition,
      sourceOffset: {},
    });
    assert.deepEqual(deleted.key, { id: '33319dbb-358c-4f06-8e60-c82b81eab769' });
    assert.equal((deleted.value as Record<string, unknown>).after, null);
    const tombstone = tombstoneFor(deleted);
    assert.equal(tombstone.value, null);
    assert.equal(tombstone.valueSchema, null);
    assert.deepEqual(tombstone.key, deleted.key);
    assert.equal(tombstone.keySchema, deleted.keySchema);
    assert.equal(tombstone.topic, deleted.topic);
  });

  it('orders row values by the schema and fills missing columns with null', () => {
    const record = buildChangeRecord(outbox, {
      op: 'c',
      before: null,
      after: { timestamp: 't', id: 'x', type: 'T' },
      source: {},
      processedAtUs: 1,
      sourcePartition: {},
      sourceOffset: {},
    });
    const after = (record.value as { after: Record<string, unknown> }).after;
    assert.deepEqual(Object.keys(after), [
      'id',
      'aggregate_type',
      'aggregate_id',
      'type',
      'payload',
      'timestamp',
    ]);
    assert.equal(after.payload, null);
  });

  it('gives tables without a primary key a null key', () => {
    const schemas = buildTableSchemas({
      topicPrefix: 'p',
      namespace: 'db',
      table: 't',
      columns: outboxColumns,
      keyColumns: [],
      sourceSchema: mysqlSource,
    });
    assert.equal(schemas.keySchema, null);
    const record = buildChangeRecord(schemas, {
      op: 'r',
      before: null,
      after: { id: 'a' },
      source: {},
      processedAtUs: 1,
      sourcePartition: {},
      sourceOffset: {},
    });
    assert.equal(record.key, null);
    assert.equal(record.keySchema, null);
  });

  it('rejects a key column that is not a column', () => {
    assert.throws(() =>
      buildTableSchemas({
        topicPrefix: 'p',
        namespace: 'db',
        table: 't',
        columns: outboxColumns,
        keyColumns: ['nope'],
        sourceSchema: mysqlSource,
      }),
    );
  });
});
