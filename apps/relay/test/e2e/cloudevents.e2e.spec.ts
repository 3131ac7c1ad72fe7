/**
 * `value.converter=io.debezium.converters.CloudEventsConverter` on the real MariaDB and Kafka: the relay
 * writes each change of a table as a structured-mode CloudEvent, which the `cloudevents` SDK reads back from
 * the Kafka record (the consumer names the structured JSON format, since Debezium writes no content-type
 * header) and writes again unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CollectedRecord,
  collectTopics,
  createMariaDbDatabase,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import { type CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import mysql from 'mysql2/promise';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import { mysqlSourceConfig, workerConfig } from '../support/connectors.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const prefix = uniqueName('ce');
let db: TestDatabase;
let conn: mysql.Connection;
let relay: RunningRelay;
let topic: TopicCollector;

before(async () => {
  db = await createMariaDbDatabase('ce');
  conn = await mysql.createConnection(db.url);
  await conn.query('CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100), vip BOOLEAN)');
  topic = await collectTopics([`${prefix}.${db.name}.customers`]);
  relay = await startRelay({
    workerProperties: workerConfig(prefix, { 'rest.port': '0', 'offset.storage.partitions': '1' }),
    env: {},
    connectors: [
      {
        name: prefix,
        config: {
          ...mysqlSourceConfig({ database: db.name }),
          'table.include.list': `${db.name}.customers`,
          'topic.prefix': prefix,
          'value.converter': 'io.debezium.converters.CloudEventsConverter',
          'value.converter.json.schemas.enable': 'false',
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
});

function asEvent(record: CollectedRecord): CloudEvent<Record<string, unknown>> {
  const message: KafkaMessage = {
    key: record.key ?? '',
    value: record.value ?? '',
    body: record.value ?? '',
    headers: { ...record.headers, 'content-type': 'application/cloudevents+json; charset=UTF-8' },
    timestamp: String(record.timestamp),
  };
  return Kafka.toEvent(message) as CloudEvent<Record<string, unknown>>;
}

describe('CloudEventsConverter through the relay', () => {
  it('an insert and an update arrive as CloudEvents the SDK reads and writes back unchanged', async () => {
    await conn.query("INSERT INTO customers VALUES (1, 'Ana', TRUE)");
    await conn.query("UPDATE customers SET name = 'Ana María' WHERE id = 1");
    await topic.waitFor((records) => records.length >= 2, { timeoutMs: 20_000 });
    const [created, updated] = topic.records.map(asEvent);
    assert.ok(created && updated);

    assert.equal(created.specversion, '1.0');
    assert.equal(created.source, `/debezium/mysql/${prefix}`);
    assert.equal(created.type, 'io.debezium.connector.mysql.DataChangeEvent');
    assert.match(created.id, new RegExp(`^name:${prefix};file:[\\w.-]+;pos:\\d+$`));
    assert.notEqual(created.id, updated.id);
    assert.equal(created.datacontenttype, 'application/json');
    assert.ok(Math.abs(Date.parse(created.time ?? '') - Date.now()) < 60_000);
    assert.equal(created.iodebeziumop, 'c');
    assert.equal(updated.iodebeziumop, 'u');
    assert.equal(created.iodebeziumdb, db.name);
    assert.equal(created.iodebeziumtable, 'customers');
    assert.deepEqual(
      Object.keys(created.data ?? {}),
      ['before', 'after'],
      'MySqlConnector: data is before/after',
    );
    assert.deepEqual((created.data as { after: unknown }).after, { id: 1, name: 'Ana', vip: 1 });
    assert.deepEqual((updated.data as { before: unknown }).before, { id: 1, name: 'Ana', vip: 1 });
    assert.equal((updated.data as { after: { name: string } }).after.name, 'Ana María');

    for (const [i, event] of [created, updated].entries()) {
      const { partitionkey: _key, ...again } = JSON.parse(String(Kafka.structured(event).value)) as Record<
        string,
        unknown
      >;
      assert.deepEqual(again, JSON.parse(topic.records[i]?.value ?? ''));
    }
  });
});
