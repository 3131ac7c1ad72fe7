import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import {
  CLOUDEVENTS_CONVERTER_KEYS,
  ConfigDef,
  ConfigError,
  createCloudEventsConverter,
  type Schema,
} from '../src/index.ts';

const str = (optional = false): Schema => ({ type: 'string', optional });
const int64 = (optional = false): Schema => ({ type: 'int64', optional });
const row: Schema = {
  type: 'struct',
  optional: true,
  name: 'dbserver1.shop.customers.Value',
  fields: [
    { name: 'id', schema: { type: 'int32', optional: false } },
    { name: 'name', schema: str(true) },
  ],
};
const mysqlSource: Schema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.mysql.Source',
  fields: [
    { name: 'version', schema: str() },
    { name: 'connector', schema: str() },
    { name: 'name', schema: str() },
    { name: 'ts_ms', schema: int64() },
    { name: 'snapshot', schema: str(true) },
    { name: 'db', schema: str() },
    { name: 'table', schema: str(true) },
    { name: 'server_id', schema: int64() },
    { name: 'file', schema: str() },
    { name: 'pos', schema: int64() },
    { name: 'row', schema: { type: 'int32', optional: false } },
  ],
};
const transaction: Schema = {
  type: 'struct',
  optional: true,
  name: 'event.block',
  fields: [
    { name: 'id', schema: str() },
    { name: 'total_order', schema: int64() },
    { name: 'data_collection_order', schema: int64() },
  ],
};
const envelope = (source: Schema): Schema => ({
  type: 'struct',
  optional: false,
  name: 'dbserver1.shop.customers.Envelope',
  version: 2,
  fields: [
    { name: 'before', schema: row },
    { name: 'after', schema: row },
    { name: 'source', schema: source },
    { name: 'transaction', schema: transaction },
    { name: 'op', schema: str() },
    { name: 'ts_ms', schema: int64(true) },
  ],
});
const change = {
  before: null,
  after: { id: 1, name: 'Ana "the" \u00e9' },
  source: {
    version: '3.1.0.Final',
    connector: 'mysql',
    name: 'dbserver1',
    ts_ms: 1676598823000,
    snapshot: 'false',
    db: 'shop',
    table: 'customers',
    server_id: 1,
    file: 'binlog.000003',
    pos: 4821,
    row: 0,
  },
  transaction: null,
  op: 'c',
  ts_ms: 1676598823103,
};

const converter = (options: Partial<Parameters<typeof createCloudEventsConverter>[0]> = {}) =>
  createCloudEventsConverter({ dataSchemasEnable: true, extensionAttributes: true, ...options });

/** As a consumer reads it with the CloudEvents SDK's Kafka binding (structured mode, JSON format). */
function read(value: Buffer): CloudEvent<Record<string, unknown>> {
  const message: KafkaMessage = {
    key: '1',
    value,
    body: value,
    headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
    timestamp: '0',
  };
  return Kafka.toEvent(message) as CloudEvent<Record<string, unknown>>;
}

describe('CloudEventsConverter', () => {
  it('writes Debezium’s envelope byte for byte: attributes, iodebezium extensions, data with its schema', () => {
    const bytes = converter().fromConnectData('dbserver1.shop.customers', envelope(mysqlSource), change);
    const rowSchema =
      '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":true,"name":"dbserver1.shop.customers.Value"';
    assert.equal(
      bytes?.toString('utf8'),
      '{"id":"name:dbserver1;file:binlog.000003;pos:4821","source":"/debezium/mysql/dbserver1","specversion":"1.0",' +
        '"type":"io.debezium.connector.mysql.DataChangeEvent","time":"2023-02-17T01:53:43.000Z",' +
        '"datacontenttype":"application/json","iodebeziumop":"c","iodebeziumversion":"3.1.0.Final",' +
        '"iodebeziumconnector":"mysql","iodebeziumname":"dbserver1","iodebeziumtsms":"1676598823000",' +
        '"iodebeziumsnapshot":"false","iodebeziumdb":"shop","iodebeziumtable":"customers","iodebeziumserverid":"1",' +
        '"iodebeziumfile":"binlog.000003","iodebeziumpos":"4821","iodebeziumrow":0,"iodebeziumtxid":null,' +
        '"iodebeziumtxtotalorder":null,"iodebeziumtxdatacollectionorder":null,' +
        `"data":{"schema":{"type":"struct","fields":[${rowSchema},"field":"before"},${rowSchema},"field":"after"}],` +
        '"optional":false,"name":"io.debezium.connector.mysql.Data"},' +
        '"payload":{"before":null,"after":{"id":1,"name":"Ana \\"the\\" \u00e9"}}}}',
    );
  });

  it('round-trips through the cloudevents SDK: read, attributes and data intact, written back the same', () => {
    const bytes = converter({ dataSchemasEnable: false }).fromConnectData('t', envelope(mysqlSource), {
      ...change,
      transaction: { id: 'file=binlog.000003,pos=4700', total_order: 3, data_collection_order: 1 },
    });
    assert.ok(bytes !== null);
    const event = read(bytes);
    assert.equal(event.specversion, '1.0');
    assert.equal(event.id, 'name:dbserver1;file:binlog.000003;pos:4821');
    assert.equal(event.source, '/debezium/mysql/dbserver1');
    assert.equal(event.type, 'io.debezium.connector.mysql.DataChangeEvent');
    assert.equal(event.time, '2023-02-17T01:53:43.000Z');
    assert.equal(event.datacontenttype, 'application/json');
    assert.equal(event.iodebeziumop, 'c');
    assert.equal(event.iodebeziumtxtotalorder, '3');
    assert.deepEqual(event.data, { before: null, after: { id: 1, name: 'Ana "the" é' } });

    const written = Kafka.structured(event);
    const { partitionkey: _key, ...again } = JSON.parse(String(written.value)) as Record<string, unknown>;
    assert.deepEqual(again, JSON.parse(bytes.toString('utf8')));
  });

  it('PostgreSQL: id from lsn, txId and sequence; data is before and after', () => {
    const pgSource: Schema = {
      ...mysqlSource,
      name: 'io.debezium.connector.postgresql.Source',
      fields: [
        { name: 'connector', schema: str() },
        { name: 'name', schema: str() },
        { name: 'ts_ms', schema: int64() },
        { name: 'db', schema: str() },
        { name: 'sequence', schema: str(true) },
        { name: 'txId', schema: int64(true) },
        { name: 'lsn', schema: int64(true) },
      ],
    };
    const bytes = converter({ dataSchemasEnable: false }).fromConnectData('t', envelope(pgSource), {
      ...change,
      source: {
        connector: 'postgresql',
        name: 'pg1',
        ts_ms: 1,
        db: 'shop',
        sequence: '["24023928","24023928"]',
        txId: 565,
        lsn: 24023928,
      },
    });
    const event = read(bytes as Buffer);
    assert.equal(event.id, 'name:pg1;lsn:24023928;txId:565;sequence:["24023928","24023928"]');
    assert.equal(event.iodebeziumtxId, '565', 'Debezium keeps the upper-case letter of txId');
    assert.deepEqual(Object.keys(event.data ?? {}), ['before', 'after']);
  });

  it('leaves the extensions out with extension.attributes.enable=false; a strict SDK then accepts the event', () => {
    const bytes = converter({ extensionAttributes: false, dataSchemasEnable: false }).fromConnectData(
      't',
      envelope(mysqlSource),
      change,
    );
    const parsed = JSON.parse(String(bytes)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [
      'id',
      'source',
      'specversion',
      'type',
      'time',
      'datacontenttype',
      'data',
    ]);
    assert.doesNotThrow(() => new CloudEvent(parsed, true).validate());
  });

  it('writes null for what is not a change event (heartbeats, Event Router output), as Debezium does', () => {
    assert.equal(converter().fromConnectData('t', str(), '{"id":1}'), null);
    assert.equal(converter().fromConnectData('t', envelope(mysqlSource), null), null);
  });

  it('accepts Debezium’s options and refuses what Outflow does not implement, naming it', () => {
    const def = new ConfigDef(CLOUDEVENTS_CONVERTER_KEYS);
    assert.doesNotThrow(() =>
      def.parse({ 'serializer.type': 'json', 'metadata.source': 'value,id:generate,type:generate' }),
    );
    assert.throws(
      () =>
        def.parse({
          'serializer.type': 'avro',
          'metadata.source': 'header',
          'schema.data.name.source.header.enable': 'true',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.problems.map((p) => `${p.property}: ${p.message}`).join('\n');
        assert.match(text, /serializer\.type: An Avro envelope is not supported by Outflow yet/);
        assert.match(text, /metadata\.source: reading metadata from headers is not supported/);
        assert.match(text, /schema\.data\.name\.source\.header\.enable: is not supported/);
        return true;
      },
    );
    assert.throws(() => def.parse({ 'metadata.source': 'value,colour:generate' }), /id:<source>/);
  });
});
