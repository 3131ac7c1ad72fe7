/**
 * The whole flow of the original design, on the real MariaDB and Kafka: the course service writes its events
 * through the outbox (insert-then-delete), the relay reads the binlog and publishes them.
 * - With the Outbox Event Router: posting a course gives exactly one record on `outbox.event.Course`-style
 *   routing, key = course id, header `id` = the outbox id, value = the course JSON.
 * - With the seed's own connector JSON and no transform: the raw Debezium create, delete and tombstone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, connectDatabase, type Database, migrate } from '@outflow/course-service';
import { createOutbox, type Outbox, type WrittenEvent } from '@outflow/outbox';
import {
  type CollectedRecord,
  collectTopics,
  createMariaDbDatabase,
  host,
  kafkaBootstrap,
  mariadbPort,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import type { FastifyInstance } from 'fastify';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  stringConverters,
  uniqueServerId,
  workerConfig,
} from '../support/connectors.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const TEACHER = '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd';

let testDb: TestDatabase;
let db: Database;
let app: FastifyInstance;
let relay: RunningRelay;
const written: WrittenEvent[] = [];
const prefix = uniqueName('flow');
const routedTopic = `${prefix}.Course`;
const rawTopic = () => `${prefix}raw.${testDb.name}.outbox`;
let routed: TopicCollector;
let raw: TopicCollector;

before(async () => {
  testDb = await createMariaDbDatabase('flow');
  db = connectDatabase(testDb.url);
  const outbox = createOutbox({ dialect: 'mysql', mode: 'insert-then-delete' });
  await migrate(db, outbox);
  const recording: Pick<Outbox, 'write'> = {
    async write(executor, events) {
      const rows = await outbox.write(executor, events);
      written.push(...rows);
      return rows;
    },
  };
  app = await buildApp({ db, outbox: recording });
  routed = await collectTopics([routedTopic]);
  raw = await collectTopics([rawTopic()]);
  relay = await startRelay({
    workerProperties: workerConfig(prefix, { 'rest.port': '0', 'offset.storage.partitions': '1' }),
    env: {},
    connectors: [
      {
        name: `${prefix}-router`,
        config: {
          ...mysqlSourceConfig({ database: testDb.name }),
          'topic.prefix': prefix,
          ...stringConverters,
          ...eventRouterConfig(`${prefix}.\${routedByValue}`),
        },
      },
      {
        // The seed's connector JSON, legacy property names included; only addresses and names differ.
        name: `${prefix}-raw`,
        config: {
          'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
          'tasks.max': '1',
          'database.hostname': host,
          'database.port': String(mariadbPort),
          'database.user': 'outflow',
          'database.password': 'outflow',
          'table.include.list': `${testDb.name}.outbox`,
          'database.server.id': uniqueServerId(),
          'database.server.name': `${prefix}raw`,
          'database.history.kafka.bootstrap.servers': kafkaBootstrap,
          'database.history.kafka.topic': `${prefix}.history`,
          'database.allowPublicKeyRetrieval': 'true',
          'snapshot.mode': 'no_data',
        },
      },
    ],
  });
  for (const name of [`${prefix}-router`, `${prefix}-raw`]) await waitForRunning(relay.url, name);
});

after(async () => {
  await relay?.close();
  await routed?.close();
  await raw?.close();
  await app?.close();
  await db?.close();
  await testDb?.drop();
});

describe('course service → outbox → relay → Kafka', () => {
  let courseId: string;
  let course: Record<string, unknown>;

  before(async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/courses',
      payload: {
        name: 'MSA 파헤치기',
        description: 'MSA의 모든 것을 가르쳐 드립니다.',
        teacherId: TEACHER,
        thumbnail: 'msa_course.jpeg',
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    courseId = created.json().courseId;
    const posted = await app.inject({ method: 'POST', url: `/courses/${courseId}/post` });
    assert.equal(posted.statusCode, 200, posted.body);
    course = (await app.inject(`/courses/${courseId}`)).json();
  });

  it('the Event Router publishes exactly one CoursePostedEvent: key = course id, id header, course JSON', async () => {
    const postedEvent = written.find((e) => e.type === 'CoursePostedEvent' && e.aggregateId === courseId);
    assert.ok(postedEvent, 'the service wrote a CoursePostedEvent');
    const mine = (records: readonly CollectedRecord[]) => records.filter((r) => r.key === courseId);
    await routed.waitFor((records) => mine(records).length >= 2, {
      describe: (records) => `${mine(records).length} of 2 records for ${courseId}`,
    });
    const created = written.find((e) => e.type === 'CourseCreatedEvent' && e.aggregateId === courseId)!;
    assert.deepEqual(
      mine(routed.records).map((r) => r.headers.id),
      [created.id, postedEvent.id],
      'one record per outbox row, in commit order',
    );
    const record = mine(routed.records)[1]!;
    assert.equal(record.topic, routedTopic);
    assert.equal(record.key, courseId);
    // Debezium 3's context headers come first, then the router's `id`.
    assert.deepEqual(Object.keys(record.headers), [
      '__debezium.context.connectorLogicalName',
      '__debezium.context.taskId',
      '__debezium.context.connectorName',
      '__debezium.context.runId',
      'id',
    ]);
    assert.equal(record.headers['__debezium.context.connectorName'], 'mysql');
    assert.deepEqual(JSON.parse(record.value!), course);
    assert.equal(JSON.parse(record.value!).posted, true);
  });

  it("the seed's connector without a transform publishes the raw create, delete and tombstone", async () => {
    const postedEvent = written.find((e) => e.type === 'CoursePostedEvent' && e.aggregateId === courseId)!;
    const ofRow = (records: readonly CollectedRecord[]) =>
      records.filter((r) => r.key !== null && JSON.parse(r.key).payload.id === postedEvent.id);
    await raw.waitFor((records) => ofRow(records).length >= 3, {
      describe: (records) => `${ofRow(records).length} of 3 records for outbox row ${postedEvent.id}`,
    });
    const [create, del, tombstone] = ofRow(raw.records);
    const key = JSON.parse(create!.key!);
    assert.deepEqual(key, {
      schema: {
        type: 'struct',
        fields: [{ type: 'string', optional: false, field: 'id' }],
        optional: false,
        name: `${prefix}raw.${testDb.name}.outbox.Key`,
      },
      payload: { id: postedEvent.id },
    });

    const c = JSON.parse(create!.value!);
    assert.equal(c.schema.name, `${prefix}raw.${testDb.name}.outbox.Envelope`);
    assert.equal(c.schema.version, 2, 'Debezium 3 envelope');
    assert.equal(c.schema.fields[2].version, 1, 'Debezium 3 source block');
    assert.deepEqual([c.schema.fields[3].name, c.schema.fields[3].version], ['event.block', 1]);
    assert.deepEqual(
      c.schema.fields.map((f: { field: string }) => f.field),
      ['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns'],
    );
    const payloadField = c.schema.fields[1].fields.find((f: { field: string }) => f.field === 'payload');
    assert.deepEqual(payloadField, {
      type: 'string',
      optional: false,
      name: 'io.debezium.data.Json',
      version: 1,
      field: 'payload',
    });
    assert.equal(c.payload.op, 'c');
    assert.equal(c.payload.before, null);
    assert.equal(c.payload.after.id, postedEvent.id);
    assert.equal(c.payload.after.aggregatetype, 'Course');
    assert.equal(c.payload.after.aggregateid, courseId);
    assert.equal(c.payload.after.type, 'CoursePostedEvent');
    assert.deepEqual(JSON.parse(c.payload.after.payload), course);
    assert.match(c.payload.after.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const source = c.payload.source;
    assert.equal(source.connector, 'mysql');
    assert.equal(source.name, `${prefix}raw`);
    assert.equal(source.db, testDb.name);
    assert.equal(source.table, 'outbox');
    assert.equal(source.snapshot, 'false');
    assert.equal(source.server_id, 1);
    assert.match(source.file, /-bin\.\d+$/);
    assert.ok(Number.isInteger(source.pos) && source.pos > 0);
    assert.equal(source.row, 0);
    assert.match(source.gtid, /^0-1-\d+$/, 'MariaDB GTID domain-server-sequence');
    assert.ok(Math.abs(source.ts_ms - Date.now()) < 60_000);
    assert.ok(c.payload.ts_ms >= source.ts_ms);
    assert.equal(c.payload.transaction, null);

    const d = JSON.parse(del!.value!);
    assert.equal(d.payload.op, 'd');
    assert.deepEqual(d.payload.before, c.payload.after);
    assert.equal(d.payload.after, null);
    assert.ok(d.payload.source.pos > source.pos, 'the delete comes later in the binlog');
    assert.equal(d.payload.source.gtid, source.gtid, 'one transaction');

    assert.equal(tombstone!.key, create!.key);
    assert.equal(tombstone!.value, null);
  });
});
