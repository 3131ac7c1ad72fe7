import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createConsumer, type KafkaMessage } from '@outflow/kafka';
import {
  createMariaDbDatabase,
  host,
  kafkaBootstrap,
  mariadbPort,
  mariadbUrl,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import { type RunningRelay, startRelay } from '../src/index.ts';
import type { ConnectorInfo } from '../src/worker/herder.ts';
import { waitForRunning } from './support/wait-for-running.ts';

// A unique aggregate type keeps the default routing (`outbox.event.<aggregatetype>`) under test without
// writing into the `outbox.event.Course` topic that the main job's services use.
const AGGREGATE = uniqueName('Course');
const TOPIC = `outbox.event.${AGGREGATE}`;

let db: TestDatabase;
let conn: mysql.Connection;
const logLines: string[] = [];
const logs = new PassThrough();
logs.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));

/** Worker properties unique to this run: its own config and offsets topics, any free port. */
const worker = {
  'bootstrap.servers': kafkaBootstrap,
  'rest.port': '0',
  'group.id': uniqueName('relay_it'),
  'config.storage.topic': uniqueName('relay_it_configs'),
  'status.storage.topic': uniqueName('relay_it_status'),
  'offset.storage.topic': uniqueName('relay_it_offsets'),
  'offset.storage.partitions': '1',
  'offset.flush.interval.ms': '200',
};

const outboxDdl = `CREATE TABLE outbox (
  id CHAR(36) NOT NULL PRIMARY KEY,
  aggregate_type VARCHAR(255) NOT NULL,
  aggregate_id VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  payload JSON NOT NULL,
  timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;

/** Writes one outbox event the way the seed's service does: insert then delete, one transaction. */
async function publish(aggregateId: string, payload: object): Promise<string> {
  const id = randomUUID();
  await conn.query('BEGIN');
  await conn.query(
    "INSERT INTO outbox (id, aggregate_type, aggregate_id, type, payload) VALUES (?, ?, ?, 'CoursePostedEvent', ?)",
    [id, AGGREGATE, aggregateId, JSON.stringify(payload)],
  );
  await conn.query('DELETE FROM outbox WHERE id = ?', [id]);
  await conn.query('COMMIT');
  return id;
}

/** Reads `TOPIC` from the beginning until `done` says so, then keeps reading `quietMs` more for extras. */
async function consumeFor(aggregateId: string, expected: number, quietMs = 2000): Promise<KafkaMessage[]> {
  const consumer = createConsumer({ bootstrapServers: kafkaBootstrap, groupId: uniqueName('relay_it') });
  const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest' });
  const mine: KafkaMessage[] = [];
  let quietTimer: NodeJS.Timeout | undefined;
  const deadline = setTimeout(
    () => stream.destroy(new Error(`only ${mine.length} of ${expected} records`)),
    30_000,
  );
  try {
    for await (const message of stream) {
      if (message.key !== aggregateId) continue;
      mine.push(message);
      if (mine.length === expected) quietTimer = setTimeout(() => void stream.close(), quietMs);
    }
  } finally {
    clearTimeout(deadline);
    clearTimeout(quietTimer);
    await stream.close().catch(() => undefined);
    await consumer.close(true);
  }
  return mine;
}

async function api(relay: RunningRelay, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(relay.url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('relay against the real MariaDB and Kafka', () => {
  before(async () => {
    db = await createMariaDbDatabase('relay_it');
    conn = await mysql.createConnection(mariadbUrl(db.name));
    await conn.query(outboxDdl);
  });
  after(async () => {
    await conn?.end();
    await db?.drop();
  });

  it('routes an outbox event to outbox.event.<aggregatetype> once, and keeps config and offsets across a restart', async () => {
    const aggregateId = randomUUID();
    const prefix = uniqueName('relay_it');
    const first = await startRelay({ workerProperties: worker, env: {}, logDestination: logs });
    let second: RunningRelay | undefined;
    try {
      const created = await api(first, 'POST', '/connectors/', {
        name: 'course-outbox',
        config: {
          'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
          'tasks.max': '1',
          'database.hostname': host,
          'database.port': String(mariadbPort),
          'database.user': 'outflow',
          'database.password': 'outflow',
          'database.server.id': String(6000 + Math.floor(Math.random() * 10_000)),
          'topic.prefix': prefix,
          'database.include.list': db.name,
          'table.include.list': `${db.name}.outbox`,
          'poll.interval.ms': '100',
          'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter.schemas.enable': 'false',
          transforms: 'outbox',
          'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
          'transforms.outbox.route.by.field': 'aggregate_type',
          'transforms.outbox.table.field.event.key': 'aggregate_id',
          'transforms.outbox.table.expand.json.payload': 'true',
        },
      });
      assert.equal(created.status, 201, await created.clone().text());
      assert.equal(((await created.json()) as ConnectorInfo).config['database.password'], '********');

      await waitUntilStreaming(first);
      const firstId = await publish(aggregateId, { courseId: aggregateId, n: 1 });
      const [one, ...extra] = await consumeFor(aggregateId, 1);
      assert.deepEqual(extra, []);
      assert.equal(one?.key, aggregateId);
      assert.equal(one?.headers.get('id'), firstId);
      assert.deepEqual(JSON.parse(one!.value.toString('utf8')), { courseId: aggregateId, n: 1 });
      const topics = await (await api(first, 'GET', '/connectors/course-outbox/topics')).json();
      // The routed events, and the snapshot's schema-change records on the <topic.prefix> topic.
      assert.deepEqual(topics, { 'course-outbox': { topics: [TOPIC, prefix].sort() } });
      await first.close();

      second = await startRelay({ workerProperties: worker, env: {}, logDestination: logs });
      assert.deepEqual(await (await api(second, 'GET', '/connectors')).json(), ['course-outbox']);
      await waitUntilStreaming(second);
      await publish(aggregateId, { courseId: aggregateId, n: 2 });
      const both = await consumeFor(aggregateId, 2);
      assert.deepEqual(
        both.map((m) => JSON.parse(m.value.toString('utf8')).n),
        [1, 2],
      );
      await api(second, 'PUT', '/connectors/course-outbox/stop');
      const offsets = (await (await api(second, 'GET', '/connectors/course-outbox/offsets')).json()) as {
        offsets: { offset: { file?: unknown } }[];
      };
      assert.equal(offsets.offsets.length, 1);
      assert.match(String(offsets.offsets[0]?.offset.file), /bin/);
      assert.equal((await api(second, 'DELETE', '/connectors/course-outbox')).status, 204);
    } finally {
      await first.close();
      await second?.close();
    }
    assert.doesNotMatch(logLines.join(''), /"database\.password":"outflow"/);
  });
});

/**
 * Waits for the connector's task: RUNNING is reported once the source has started, its binlog position
 * taken, so a change committed afterwards is captured.
 */
async function waitUntilStreaming(relay: RunningRelay): Promise<void> {
  await waitForRunning(relay.url, 'course-outbox');
}
