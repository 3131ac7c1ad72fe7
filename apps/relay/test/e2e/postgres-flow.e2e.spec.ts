/**
 * The course flow on PostgreSQL, on the real servers: the course service writes its events through the outbox
 * (insert-then-delete) into PostgreSQL, the relay reads them from a pgoutput slot and publishes them.
 * - With the Outbox Event Router: posting a course gives exactly one CoursePostedEvent record, key = course
 *   id, header `id` = the outbox id, value = the course JSON.
 * - The same course actions on MariaDB and on PostgreSQL, one relay with a connector for each: the two
 *   routed records are alike field by field, except what differs by nature (ids, times).
 * - Without a transform: the raw Debezium create, delete and tombstone with PostgreSQL's `source` block, and
 *   the Event Router handles those records unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, connectDatabase, type Database, migrate } from '@outflow/course-service';
import { createOutbox, type Outbox, type WrittenEvent } from '@outflow/outbox';
import {
  type CollectedRecord,
  collectTopics,
  createMariaDbDatabase,
  createPostgresDatabase,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import type { FastifyInstance } from 'fastify';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  postgresSourceConfig,
  stringConverters,
  workerConfig,
} from '../support/connectors.ts';
import { dropSlots, slotState } from '../support/postgres-slots.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const TEACHER = '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One course service on one database, recording what it wrote to the outbox. */
interface Service {
  readonly testDb: TestDatabase;
  readonly db: Database;
  readonly app: FastifyInstance;
  readonly written: WrittenEvent[];
}

async function startService(testDb: TestDatabase, dialect: 'mysql' | 'postgres'): Promise<Service> {
  const db = connectDatabase(testDb.url);
  const outbox = createOutbox({ dialect, mode: 'insert-then-delete' });
  await migrate(db, outbox);
  const written: WrittenEvent[] = [];
  const recording: Pick<Outbox, 'write'> = {
    async write(executor, events) {
      const rows = await outbox.write(executor, events);
      written.push(...rows);
      return rows;
    },
  };
  return { testDb, db, written, app: await buildApp({ db, outbox: recording }) };
}

/** Creates and posts a course; returns its id and the course as the service reports it. */
async function createAndPost(app: FastifyInstance): Promise<{ id: string; course: Record<string, unknown> }> {
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
  const id = created.json().courseId as string;
  const posted = await app.inject({ method: 'POST', url: `/courses/${id}/post` });
  assert.equal(posted.statusCode, 200, posted.body);
  return { id, course: (await app.inject(`/courses/${id}`)).json() };
}

const prefix = uniqueName('pgflow');
const slotRouter = `${prefix}_router`;
const slotRaw = `${prefix}_raw`;
const pgTopic = `${prefix}.pg.Course`;
const myTopic = `${prefix}.my.Course`;
const rawTopic = `${prefix}raw.public.outbox`;
let pgService: Service;
let myService: Service;
let relay: RunningRelay;
let pgRouted: TopicCollector;
let myRouted: TopicCollector;
let raw: TopicCollector;

const router = (topic: string) => ({
  ...stringConverters,
  ...eventRouterConfig(topic, {
    'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
  }),
});
const postgres = (slot: string) => postgresSourceConfig({ database: pgService.testDb.name, slot });

before(async () => {
  pgService = await startService(await createPostgresDatabase('pgflow'), 'postgres');
  myService = await startService(await createMariaDbDatabase('pgflow'), 'mysql');
  pgRouted = await collectTopics([pgTopic]);
  myRouted = await collectTopics([myTopic]);
  raw = await collectTopics([rawTopic]);
  relay = await startRelay({
    workerProperties: workerConfig(prefix, { 'rest.port': '0', 'offset.storage.partitions': '1' }),
    env: {},
    connectors: [
      {
        name: `${prefix}-pg`,
        config: {
          ...postgres(slotRouter),
          'topic.prefix': prefix,
          ...router(`${prefix}.pg.\${routedByValue}`),
        },
      },
      { name: `${prefix}-pgraw`, config: { ...postgres(slotRaw), 'topic.prefix': `${prefix}raw` } },
      {
        name: `${prefix}-my`,
        config: {
          ...mysqlSourceConfig({ database: myService.testDb.name }),
          'topic.prefix': `${prefix}my`,
          ...router(`${prefix}.my.\${routedByValue}`),
        },
      },
    ],
  });
  for (const name of [`${prefix}-pg`, `${prefix}-pgraw`, `${prefix}-my`]) await waitForStreaming(name);
});

after(async () => {
  await relay?.close();
  for (const collector of [pgRouted, myRouted, raw]) await collector?.close();
  for (const service of [pgService, myService]) {
    await service?.app.close();
    await service?.db.close();
  }
  // Slots outlive their database and hold WAL for ever; publications go with the database.
  await dropSlots([slotRouter, slotRaw]);
  await pgService?.testDb.drop();
  await myService?.testDb.drop();
});

/** Waits for the task to be RUNNING and, for PostgreSQL, for its slot to be streaming. */
async function waitForStreaming(name: string): Promise<void> {
  const slot = !name.includes('-pg') ? null : name.endsWith('-pgraw') ? slotRaw : slotRouter;
  await waitForRunning(relay.url, name, {
    ready: async () => slot === null || (await slotState(slot))?.active === true,
  });
}

/** Waits for the created and posted records of `courseId` on a routed topic; returns them in order. */
async function routedRecords(collector: TopicCollector, courseId: string): Promise<CollectedRecord[]> {
  const mine = (records: readonly CollectedRecord[]) => records.filter((r) => r.key === courseId);
  await collector.waitFor((records) => mine(records).length >= 2, {
    describe: (records) => `${mine(records).length} of 2 records for ${courseId}`,
  });
  return mine(collector.records);
}

describe('course service on PostgreSQL → outbox → relay → Kafka', () => {
  let pg1: { id: string; course: Record<string, unknown> };
  let my1: { id: string; course: Record<string, unknown> };

  before(async () => {
    pg1 = await createAndPost(pgService.app);
    my1 = await createAndPost(myService.app);
  });

  it('the Event Router publishes exactly one CoursePostedEvent: key = course id, id header, course JSON', async () => {
    const written = pgService.written.filter((e) => e.aggregateId === pg1.id);
    assert.deepEqual(
      written.map((e) => e.type),
      ['CourseCreatedEvent', 'CoursePostedEvent'],
    );
    const records = await routedRecords(pgRouted, pg1.id);
    // Give a duplicate the chance to show before counting.
    await new Promise((r) => setTimeout(r, 1000));
    const posted = pgRouted.records.filter(
      (r) => r.key === pg1.id && r.headers.eventType === 'CoursePostedEvent',
    );
    assert.equal(posted.length, 1, 'exactly one CoursePostedEvent record');
    assert.deepEqual(
      records.map((r) => r.headers.id),
      written.map((e) => e.id),
      'one record per outbox row, in commit order',
    );
    const record = posted[0]!;
    assert.equal(record.topic, pgTopic);
    assert.equal(record.key, pg1.id);
    assert.equal(record.headers.id, written[1]!.id);
    // Debezium 3's context headers come first, then the router's `id` and its header placements.
    assert.deepEqual(Object.keys(record.headers).slice(0, 5), [
      '__debezium.context.connectorLogicalName',
      '__debezium.context.taskId',
      '__debezium.context.connectorName',
      '__debezium.context.runId',
      'id',
    ]);
    assert.equal(record.headers['__debezium.context.connectorName'], 'postgresql');
    assert.equal(record.headers['__debezium.context.taskId'], '0');
    assert.deepEqual(JSON.parse(record.value!), pg1.course);
    assert.equal(JSON.parse(record.value!).posted, true);
  });

  it('the same course actions on MariaDB and PostgreSQL give records alike field by field', async () => {
    const fromPg = (await routedRecords(pgRouted, pg1.id))[1]!;
    const fromMy = (await routedRecords(myRouted, my1.id))[1]!;
    // Key: the course id, the same UUID format on both.
    assert.match(fromPg.key!, UUID);
    assert.match(fromMy.key!, UUID);
    // Headers: the same names; `id` a UUID on both, the event type equal.
    assert.deepEqual(Object.keys(fromPg.headers).sort(), Object.keys(fromMy.headers).sort());
    assert.match(fromPg.headers.id!, UUID);
    assert.match(fromMy.headers.id!, UUID);
    assert.equal(fromPg.headers.eventType, 'CoursePostedEvent');
    assert.equal(fromMy.headers.eventType, 'CoursePostedEvent');
    // Value: parsed, the same structure (keys and value types) and every field equal but ids and times.
    const pgValue = JSON.parse(fromPg.value!) as Record<string, unknown>;
    const myValue = JSON.parse(fromMy.value!) as Record<string, unknown>;
    const shape = (v: Record<string, unknown>) =>
      Object.entries(v)
        .map(([k, x]) => [k, typeof x])
        .sort();
    assert.deepEqual(shape(pgValue), shape(myValue));
    const differing = ['courseId', 'registeredAt', 'lastUpdatedAt'];
    const rest = (v: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(v).filter(([k]) => !differing.includes(k)));
    assert.deepEqual(rest(pgValue), rest(myValue));
    assert.equal(pgValue.courseId, fromPg.key);
    assert.equal(myValue.courseId, fromMy.key);
    for (const value of [pgValue, myValue]) {
      assert.ok(
        Number.isInteger(value.registeredAt) &&
          Math.abs((value.registeredAt as number) - Date.now()) < 600_000,
      );
      assert.ok((value.lastUpdatedAt as number) >= (value.registeredAt as number));
    }
    // Both topics were named by the same routing rule.
    assert.equal(fromPg.topic, pgTopic);
    assert.equal(fromMy.topic, myTopic);
  });

  it('without a transform: the raw create, delete and tombstone with the PostgreSQL source block', async () => {
    const postedEvent = pgService.written.find(
      (e) => e.type === 'CoursePostedEvent' && e.aggregateId === pg1.id,
    )!;
    const ofRow = (records: readonly CollectedRecord[]) =>
      records.filter((r) => r.key !== null && JSON.parse(r.key).payload.id === postedEvent.id);
    await raw.waitFor((records) => ofRow(records).length >= 3, {
      describe: (records) => `${ofRow(records).length} of 3 records for outbox row ${postedEvent.id}`,
    });
    const [create, del, tombstone] = ofRow(raw.records);
    assert.equal(create!.topic, rawTopic);
    assert.deepEqual(JSON.parse(create!.key!), {
      schema: {
        type: 'struct',
        fields: [{ type: 'string', optional: false, name: 'io.debezium.data.Uuid', version: 1, field: 'id' }],
        optional: false,
        name: `${prefix}raw.public.outbox.Key`,
      },
      payload: { id: postedEvent.id },
    });

    const c = JSON.parse(create!.value!);
    assert.equal(c.schema.name, `${prefix}raw.public.outbox.Envelope`);
    assert.equal(c.schema.version, 2, 'Debezium 3 envelope');
    assert.equal(c.schema.fields[2].version, 1, 'Debezium 3 source block');
    assert.deepEqual([c.schema.fields[3].name, c.schema.fields[3].version], ['event.block', 1]);
    assert.deepEqual(
      c.schema.fields.map((f: { field: string }) => f.field),
      ['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns'],
    );
    const sourceSchema = c.schema.fields[2];
    assert.equal(sourceSchema.name, 'io.debezium.connector.postgresql.Source');
    assert.equal(c.payload.op, 'c');
    assert.equal(c.payload.before, null);
    assert.equal(c.payload.after.id, postedEvent.id);
    assert.equal(c.payload.after.aggregatetype, 'Course');
    assert.equal(c.payload.after.aggregateid, pg1.id);
    assert.equal(c.payload.after.type, 'CoursePostedEvent');
    assert.deepEqual(JSON.parse(c.payload.after.payload), pg1.course);
    assert.match(c.payload.after.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const source = c.payload.source;
    assert.equal(source.connector, 'postgresql');
    assert.equal(source.name, `${prefix}raw`);
    assert.equal(source.db, pgService.testDb.name);
    assert.equal(source.schema, 'public');
    assert.equal(source.table, 'outbox');
    assert.equal(source.snapshot, 'false');
    assert.ok(Number.isInteger(source.txId) && source.txId > 0);
    assert.ok(Number.isInteger(source.lsn) && source.lsn > 0);
    const sequence = JSON.parse(source.sequence) as [string | null, string];
    assert.equal(sequence.length, 2);
    assert.equal(sequence[1], String(source.lsn), 'sequence[1] is the change LSN');
    assert.ok(Math.abs(source.ts_ms - Date.now()) < 60_000);
    assert.ok(c.payload.ts_ms >= source.ts_ms);
    assert.equal(c.payload.transaction, null);

    const d = JSON.parse(del!.value!);
    assert.equal(d.payload.op, 'd');
    assert.equal(d.payload.before.id, postedEvent.id, 'REPLICA IDENTITY DEFAULT: the key in before');
    assert.equal(d.payload.after, null);
    assert.equal(d.payload.source.txId, source.txId, 'insert and delete in one transaction');
    assert.ok(d.payload.source.lsn > source.lsn, 'the delete comes later in the WAL');
    assert.equal(tombstone!.key, create!.key);
    assert.equal(tombstone!.value, null);
  });

  it('the Event Router handles the PostgreSQL records unchanged: one record per outbox row, deletes dropped', async () => {
    const rows = pgService.written.filter((e) => e.aggregateId === pg1.id);
    const records = await routedRecords(pgRouted, pg1.id);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(pgRouted.records.filter((r) => r.key === pg1.id).length, 2, 'no record for the deletes');
    for (const [i, record] of records.entries()) {
      assert.equal(record.headers.id, rows[i]!.id);
      assert.equal(record.headers.eventType, rows[i]!.type);
      assert.deepEqual(JSON.parse(record.value!), JSON.parse(rows[i]!.payload));
    }
  });
});
