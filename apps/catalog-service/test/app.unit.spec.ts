import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InboxDatabase } from '@outflow/inbox';
import { DatabaseUnavailableError } from '../src/errors.ts';
import { buildApp, type CatalogCourse, type CatalogRepository, type Database } from '../src/index.ts';

const posted: CatalogCourse = {
  courseId: 'bc32dd3f-1c2b-4b7a-9d51-0a3f6f5c2e11',
  name: 'MSA',
  description: 'd',
  teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
  thumbnail: 't.jpeg',
  posted: true,
  registeredAt: 1000,
  lastUpdatedAt: 2000,
};
const unposted: CatalogCourse = {
  ...posted,
  courseId: '00000000-0000-4000-8000-000000000001',
  posted: false,
};

function fakeDb(options: { down?: boolean } = {}): Database {
  const rows = [posted, unposted];
  const catalog: CatalogRepository = {
    find: async (_tx, id) => rows.find((r) => r.courseId === id),
    save: async () => {},
    listPosted: async (_tx, { offset, limit }) => {
      const items = rows.filter((r) => r.posted);
      return { items: items.slice(offset, offset + limit), total: items.length };
    },
  };
  const tx = { query: async () => [] };
  return {
    dialect: 'mysql',
    catalog,
    inbox: {} as InboxDatabase,
    transaction: async (fn) => {
      if (options.down) throw new DatabaseUnavailableError(new Error('ECONNREFUSED'));
      return fn(tx);
    },
    ping: async () => {
      if (options.down) throw new DatabaseUnavailableError(new Error('ECONNREFUSED'));
    },
    close: async () => {},
  };
}

test('GET /catalog/courses pages the posted courses', async () => {
  const app = await buildApp({ db: fakeDb() });
  const res = await app.inject('/catalog/courses?size=10');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { items: [posted], page: 0, size: 10, total: 1 });
  const bad = await app.inject('/catalog/courses?size=1000');
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'VALIDATION_FAILED');
});

test('GET /catalog/courses/{id}: 200 posted, 404 problem for unposted or unknown, 400 for a bad UUID', async () => {
  const app = await buildApp({ db: fakeDb() });
  assert.deepEqual((await app.inject(`/catalog/courses/${posted.courseId.toUpperCase()}`)).json(), posted);
  const missing = await app.inject(`/catalog/courses/${unposted.courseId}`);
  assert.equal(missing.statusCode, 404);
  assert.match(missing.headers['content-type'] as string, /application\/problem\+json/);
  assert.deepEqual(missing.json(), {
    type: 'urn:outflow:problem:course-not-found',
    title: 'Course not found',
    status: 404,
    detail: `course ${unposted.courseId} is not in the catalog`,
    code: 'COURSE_NOT_FOUND',
    instance: `/catalog/courses/${unposted.courseId}`,
  });
  const bad = await app.inject('/catalog/courses/xyz');
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json().errors, [{ field: 'courseId', message: 'must be a UUID' }]);
});

test('a database that is down gives 503 with Retry-After, and /ready says so', async () => {
  const app = await buildApp({ db: fakeDb({ down: true }) });
  const res = await app.inject('/catalog/courses');
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(res.json().code, 'DATABASE_UNAVAILABLE');
  assert.equal((await app.inject('/ready')).statusCode, 503);
  assert.equal((await app.inject('/health')).statusCode, 200);
});

test('/ready is 503 once the consumer stopped; /metrics serves its Prometheus text', async () => {
  let running = true;
  const app = await buildApp({
    db: fakeDb(),
    consumer: { running: () => running, metrics: async () => 'outflow_inbox_consumed_total 3\n' },
  });
  assert.equal((await app.inject('/ready')).statusCode, 200);
  running = false;
  const ready = await app.inject('/ready');
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.json().code, 'CONSUMER_STOPPED');
  const metrics = await app.inject('/metrics');
  assert.equal(metrics.body, 'outflow_inbox_consumed_total 3\n');
  assert.match(metrics.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  assert.equal((await app.inject('/nope')).json().code, 'ROUTE_NOT_FOUND');
});
