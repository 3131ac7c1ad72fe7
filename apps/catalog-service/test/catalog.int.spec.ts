import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAdmin, createProducer, ensureTopic } from '@outflow/kafka';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  kafkaBootstrap,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import pino from 'pino';
import {
  type CatalogCourse,
  loadConfig,
  type StartedCatalogService,
  startCatalogService,
} from '../src/index.ts';

// Needs the project's MariaDB (3307), PostgreSQL (5433) and Kafka (9092): `npm run infra -- up`.
// Records are produced exactly as Debezium's Outbox Event Router emits them (REFERENCE §2): key = aggregate
// id, value = the payload JSON, header `id` = the outbox row id, no type header unless asked for.

const producer = createProducer({ bootstrapServers: kafkaBootstrap, clientId: 'catalog-spec' });
after(() => producer.close());

function course(overrides: Partial<CatalogCourse> = {}): CatalogCourse {
  return {
    courseId: randomUUID(),
    name: 'MSA 파헤치기',
    description: 'MSA의 모든 것을 가르쳐 드립니다.',
    teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
    thumbnail: 'msa_course.jpeg',
    posted: false,
    registeredAt: 1676458941000,
    lastUpdatedAt: 1676458941000,
    ...overrides,
  };
}

/** The fields the tests read from the service's JSON answers. */
interface Answer extends Partial<CatalogCourse> {
  readonly code?: string;
  readonly status?: string;
  readonly items?: CatalogCourse[];
  readonly page?: number;
  readonly size?: number;
  readonly total?: number;
  readonly paths?: Record<string, unknown>;
}

interface Routed {
  readonly payload: CatalogCourse;
  readonly id?: string;
  /** Adds `eventType` as `table.fields.additional.placement=type:header:eventType` would. */
  readonly type?: string;
}

async function produce(topic: string, records: readonly Routed[]): Promise<string[]> {
  const ids = records.map((r) => r.id ?? randomUUID());
  await producer.send({
    messages: records.map((r, i) => ({
      topic,
      key: r.payload.courseId,
      value: JSON.stringify(r.payload),
      headers: { id: ids[i] as string, ...(r.type === undefined ? {} : { eventType: r.type }) },
    })),
  });
  return ids;
}

async function eventually(check: () => boolean, describe: () => unknown, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(describe())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const dialect of ['mysql', 'postgres'] as const) {
  describe(`catalog service on ${dialect}`, () => {
    let database: TestDatabase;
    let service: StartedCatalogService;
    let topic: string;

    before(async () => {
      database =
        dialect === 'mysql'
          ? await createMariaDbDatabase('catalog')
          : await createPostgresDatabase('catalog');
      topic = `outbox.event.${uniqueName('Course')}`;
      const admin = createAdmin({ bootstrapServers: kafkaBootstrap, clientId: 'catalog-spec-admin' });
      try {
        await ensureTopic(admin, topic, { partitions: 3 });
      } finally {
        await admin.close();
      }
      const config = {
        ...loadConfig({
          DATABASE_URL: database.url,
          KAFKA_BOOTSTRAP_SERVERS: kafkaBootstrap,
          CATALOG_GROUP_ID: uniqueName('catalog'),
          CATALOG_TOPIC: topic,
        }),
        port: 0,
      };
      service = await startCatalogService(config, { logger: pino({ level: 'silent' }) });
    });

    after(async () => {
      await service?.close();
      await database?.drop();
    });

    // Records whose transaction committed (`consumed` counts a record as soon as it is read).
    const consumed = () => {
      const s = service.consumer.stats();
      return s.handled + s.duplicates + s.unhandled + s.deadLettered + s.skipped;
    };
    async function get(path: string) {
      const response = await fetch(`${service.url}${path}`);
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: (await response.json()) as Answer,
      };
    }
    async function waitConsumed(count: number) {
      await eventually(
        () => consumed() >= count,
        () => service.consumer.stats(),
      );
    }

    test('posted courses are listed, unposting removes them, an update of a posted course updates it', async () => {
      const start = consumed();
      const a = course({ name: 'A' });
      const b = course({ name: 'B' });
      const t = a.registeredAt;
      await produce(topic, [
        { payload: a },
        { payload: b },
        { payload: { ...a, posted: true, lastUpdatedAt: t + 10 } },
        { payload: { ...b, posted: true, lastUpdatedAt: t + 10 } },
        { payload: { ...b, posted: false, lastUpdatedAt: t + 20 } },
        { payload: { ...a, name: 'A, revised', posted: true, lastUpdatedAt: t + 30 } },
      ]);
      await waitConsumed(start + 6);

      const one = await get(`/catalog/courses/${a.courseId}`);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body, { ...a, name: 'A, revised', posted: true, lastUpdatedAt: t + 30 });
      const gone = await get(`/catalog/courses/${b.courseId}`);
      assert.equal(gone.status, 404);
      assert.match(gone.type ?? '', /application\/problem\+json/);
      assert.equal(gone.body.code, 'COURSE_NOT_FOUND');
      const list = await get('/catalog/courses?page=0&size=100');
      assert.equal(list.status, 200);
      const ids = (list.body.items ?? []).map((c) => c.courseId);
      assert.ok(ids.includes(a.courseId));
      assert.ok(!ids.includes(b.courseId));
      assert.ok((list.body.items ?? []).every((c) => c.posted));
      assert.equal(list.body.total, ids.length);
      assert.deepEqual([list.body.page, list.body.size], [0, 100]);
      const bad = await get('/catalog/courses/not-a-uuid');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'VALIDATION_FAILED');
    });

    test('with a type header: CourseCreatedEvent is ignored unless posted, Posted/Unposted decide the state', async () => {
      const start = consumed();
      const c = course({ name: 'typed' });
      const t = c.registeredAt;
      await produce(topic, [
        { payload: c, type: 'CourseCreatedEvent' },
        { payload: { ...c, posted: true, lastUpdatedAt: t + 1 }, type: 'CoursePostedEvent' },
      ]);
      await waitConsumed(start + 2);
      assert.equal((await get(`/catalog/courses/${c.courseId}`)).status, 200);
      await produce(topic, [
        { payload: { ...c, posted: false, lastUpdatedAt: t + 2 }, type: 'CourseUnpostedEvent' },
      ]);
      await waitConsumed(start + 3);
      assert.equal((await get(`/catalog/courses/${c.courseId}`)).status, 404);
    });

    test('50 post/unpost toggles of one course end in the state of the last one', async () => {
      const start = consumed();
      const c = course({ name: 'toggled' });
      const toggles: Routed[] = [{ payload: c }];
      for (let i = 1; i <= 50; i++) {
        // Two changes in the same millisecond carry the same lastUpdatedAt, as the course service writes them.
        const at = c.registeredAt + Math.floor(i / 2);
        const posted = i % 2 === 0;
        toggles.push({ payload: { ...c, name: `v${i}`, posted, lastUpdatedAt: at } });
      }
      await produce(topic, toggles);
      await waitConsumed(start + 51);
      const final = await get(`/catalog/courses/${c.courseId}`);
      assert.equal(final.status, 200);
      assert.equal(final.body.name, 'v50');
      assert.equal(final.body.lastUpdatedAt, c.registeredAt + 25);

      // And ending on an unpost removes it.
      await produce(topic, [
        { payload: { ...c, name: 'v51', posted: false, lastUpdatedAt: c.registeredAt + 26 } },
      ]);
      await waitConsumed(start + 52);
      assert.equal((await get(`/catalog/courses/${c.courseId}`)).status, 404);
    });

    test('duplicates re-produced are applied once; an older state never overwrites a newer one', async () => {
      const start = consumed();
      const startDuplicates = service.consumer.stats().duplicates;
      const c = course({ name: 'dup' });
      const t = c.registeredAt;
      const records: Routed[] = [
        { payload: { ...c, posted: true, lastUpdatedAt: t + 1 } },
        { payload: { ...c, posted: false, lastUpdatedAt: t + 2 } },
        { payload: { ...c, name: 'dup v3', posted: true, lastUpdatedAt: t + 3 } },
      ];
      const ids = await produce(topic, records);
      await waitConsumed(start + 3);
      // The relay replays after a crash: the same records, same ids, again.
      await produce(
        topic,
        records.map((r, i) => ({ ...r, id: ids[i] as string })),
      );
      await waitConsumed(start + 6);
      assert.equal(service.consumer.stats().duplicates - startDuplicates, 3);
      // A stale state under a new id (not a duplicate the inbox can see) is refused by lastUpdatedAt.
      await produce(topic, [{ payload: { ...c, name: 'stale', posted: false, lastUpdatedAt: t + 2 } }]);
      await waitConsumed(start + 7);
      const now = await get(`/catalog/courses/${c.courseId}`);
      assert.equal(now.status, 200);
      assert.equal(now.body.name, 'dup v3');
      assert.equal(now.body.lastUpdatedAt, t + 3);
    });

    test('health, readiness, metrics and the OpenAPI document', async () => {
      assert.deepEqual((await get('/health')).body, { status: 'ok' });
      assert.deepEqual((await get('/ready')).body, { status: 'ready' });
      const metrics = await fetch(`${service.url}/metrics`);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      assert.match(text, /^outflow_inbox_consumed_total\{group="[^"]+",topic="[^"]+"\} \d+$/m);
      assert.match(text, /^outflow_inbox_duplicates_total/m);
      assert.match(text, /^# TYPE outflow_inbox_lag_records gauge$/m);
      const doc = await get('/docs/json');
      assert.ok(doc.body.paths?.['/catalog/courses/{courseId}']);
    });
  });
}
