/**
 * The course service against the project's real MariaDB (3307) and PostgreSQL (5433): one suite, run for both
 * dialects, each in a throwaway database.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createOutbox, type Outbox, type Outboxable, type SqlExecutor } from '@outflow/outbox';
import {
  closedPort,
  createMariaDbDatabase,
  createPostgresDatabase,
  host,
  mariadbPort,
  postgresPort,
  TcpProxy,
  type TestDatabase,
} from '@outflow/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { connectDatabase } from '../src/db/connect.ts';
import type { Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { count, type OutboxRow, outboxRows, rows } from './support/sql.ts';

const T0 = 1676458941000;
const TEACHER = '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd';
const draft = {
  name: 'MSA 파헤치기',
  description: 'MSA의 모든 것을 가르쳐 드립니다.',
  teacherId: TEACHER,
  thumbnail: 'msa_course.jpeg',
};

const backends = [
  { dialect: 'mysql', create: createMariaDbDatabase, port: mariadbPort },
  { dialect: 'postgres', create: createPostgresDatabase, port: postgresPort },
] as const;

/** `url` with its port replaced. */
function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

for (const backend of backends) {
  describe(`course service on ${backend.dialect}`, () => {
    let testDb: TestDatabase;
    let db: Database;
    let keep: Outbox;
    let app: FastifyInstance;
    const extra: { close(): Promise<void> }[] = [];
    let now = T0;
    const clock = () => now;

    /** Another app on `database` with `outbox`, closed after the suite. */
    async function appWith(database: Database, outbox: Pick<Outbox, 'write'>): Promise<FastifyInstance> {
      const other = await buildApp({ db: database, outbox, clock });
      extra.push(other);
      return other;
    }

    async function createCourse(on = app, body: Record<string, unknown> = draft): Promise<string> {
      const res = await on.inject({ method: 'POST', url: '/courses', payload: body });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().courseId;
    }

    async function getCourse(courseId: string) {
      const res = await app.inject(`/courses/${courseId}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    const eventsOf = (all: OutboxRow[], courseId: string) => all.filter((r) => r.aggregateId === courseId);

    before(async () => {
      testDb = await backend.create('course');
      db = connectDatabase(testDb.url);
      keep = createOutbox({ dialect: backend.dialect, mode: 'keep' });
      await migrate(db, keep);
      app = await buildApp({ db, outbox: keep, clock });
    });

    after(async () => {
      for (const other of extra.reverse()) await other.close();
      await app?.close();
      await db?.close();
      await testDb?.drop();
    });

    beforeEach(async () => {
      now += 60_000;
      await db.transaction((tx) => tx.query(`DELETE FROM ${keep.options.table}`));
    });

    it('migrate is idempotent', async () => {
      await migrate(db, keep);
      await migrate(db, keep);
    });

    it('POST /courses stores the course and writes exactly one CourseCreatedEvent carrying it', async () => {
      const courseId = await createCourse();
      const course = await getCourse(courseId);
      assert.deepEqual(course, { courseId, ...draft, posted: false, registeredAt: now, lastUpdatedAt: now });

      const events = await outboxRows(db, keep);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.type, 'CourseCreatedEvent');
      assert.equal(events[0]?.aggregateType, 'Course');
      assert.equal(events[0]?.aggregateId, courseId);
      assert.deepEqual(events[0]?.payload, course);
    });

    it('post and unpost write one event each with the new state; repeats write nothing', async () => {
      const courseId = await createCourse();
      const registeredAt = now;
      const steps = [
        ['post', true, 'CoursePostedEvent'],
        ['post', true, null],
        ['unpost', false, 'CourseUnpostedEvent'],
        ['unpost', false, null],
        ['post', true, 'CoursePostedEvent'],
      ] as const;
      const expected: unknown[] = [];
      let lastUpdatedAt = now;
      for (const [action, posted, event] of steps) {
        now += 1000;
        const res = await app.inject({ method: 'POST', url: `/courses/${courseId}/${action}` });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { courseId });
        if (event !== null) lastUpdatedAt = now;
        const course = await getCourse(courseId);
        assert.deepEqual(course, { courseId, ...draft, posted, registeredAt, lastUpdatedAt }, `${action}`);
        if (event !== null)
          expected.push({ type: event, aggregateType: 'Course', aggregateId: courseId, payload: course });
      }
      const events = (await outboxRows(db, keep)).slice(1).map(({ id: _, ...rest }) => rest);
      assert.deepEqual(events, expected);
    });

    it('GET /courses pages newest first with the total', async () => {
      const before = await count(db, 'course');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        now += 1000;
        ids.push(await createCourse(app, { ...draft, name: `paging ${i}` }));
      }
      const first = (await app.inject('/courses?page=0&size=2')).json();
      assert.equal(first.total, before + 3);
      assert.equal(first.page, 0);
      assert.equal(first.size, 2);
      assert.deepEqual(
        first.items.map((c: { courseId: string }) => c.courseId),
        [ids[2], ids[1]],
      );
      const second = (await app.inject('/courses?page=1&size=2')).json();
      assert.equal(second.items[0].courseId, ids[0]);
      const beyond = (await app.inject('/courses?page=1000&size=2')).json();
      assert.deepEqual(beyond.items, []);
    });

    it('insert-then-delete: the outbox table is empty after each request, the log still has the insert', async (t) => {
      const outbox = createOutbox({ dialect: backend.dialect, mode: 'insert-then-delete' });
      const transient = await appWith(db, outbox);
      let binlog: { File: string; Position: number } | undefined;
      if (backend.dialect === 'mysql') [binlog] = await rows(db, 'SHOW MASTER STATUS');

      const courseId = await createCourse(transient);
      assert.deepEqual(await outboxRows(db, outbox), []);
      assert.equal(
        (await transient.inject({ method: 'POST', url: `/courses/${courseId}/post` })).statusCode,
        200,
      );
      assert.deepEqual(await outboxRows(db, outbox), []);
      assert.equal((await getCourse(courseId)).posted, true);

      if (backend.dialect !== 'mysql') return;
      if (binlog === undefined) return t.skip('binary log is off');
      const events = await rows<{ Event_type: string; Info: string }>(
        db,
        `SHOW BINLOG EVENTS IN '${binlog.File}' FROM ${binlog.Position}`,
      );
      // Each row event follows the Table_map of its table; collect what happened to our outbox table.
      const onOutbox: string[] = [];
      events.forEach((e, i) => {
        if (e.Event_type === 'Table_map' && e.Info.includes(`(${testDb.name}.outbox)`)) {
          onOutbox.push((events[i + 1]?.Event_type ?? '').replace(/_v\d$/, ''));
        }
      });
      assert.deepEqual(onOutbox, ['Write_rows', 'Delete_rows', 'Write_rows', 'Delete_rows']);
    });

    it('insert-then-delete under concurrent load: every request succeeds and the outbox stays empty', async () => {
      const outbox = createOutbox({ dialect: backend.dialect, mode: 'insert-then-delete' });
      const busy = await appWith(db, outbox);
      const ids = await Promise.all(Array.from({ length: 40 }, () => createCourse(busy)));
      const answers = await Promise.all(
        ids.flatMap((id) => [
          busy.inject({ method: 'POST', url: `/courses/${id}/post` }),
          busy.inject({ method: 'POST', url: `/courses/${id}/unpost` }),
        ]),
      );
      assert.deepEqual(
        answers.map((a) => a.statusCode).filter((code) => code !== 200),
        [],
        answers.find((a) => a.statusCode !== 200)?.body,
      );
      assert.deepEqual(await outboxRows(db, outbox), []);
    });

    it('an outbox failure after the business update rolls back both (post)', async () => {
      const courseId = await createCourse();
      const before = await getCourse(courseId);
      const failing = {
        async write(tx: SqlExecutor, events: Outboxable | readonly Outboxable[]) {
          await keep.write(tx, events); // the outbox row is written, then the request fails
          throw new Error('injected failure after the outbox insert');
        },
      };
      const broken = await appWith(db, failing);
      now += 1000;
      const res = await broken.inject({ method: 'POST', url: `/courses/${courseId}/post` });
      assert.equal(res.statusCode, 500);
      assert.equal(res.json().code, 'INTERNAL');
      assert.deepEqual(await getCourse(courseId), before);
      assert.deepEqual(
        (await outboxRows(db, keep)).map((r) => r.type),
        ['CourseCreatedEvent'],
      );
    });

    it('a payload over the outbox limit rolls back the new course', async () => {
      const courses = await count(db, 'course');
      const tiny = createOutbox({ dialect: backend.dialect, mode: 'keep', maxPayloadBytes: 100 });
      const res = await (await appWith(db, tiny)).inject({ method: 'POST', url: '/courses', payload: draft });
      assert.equal(res.statusCode, 500);
      assert.equal(await count(db, 'course'), courses);
      assert.deepEqual(await outboxRows(db, keep), []);
    });

    it('ten concurrent posts of one course emit exactly one CoursePostedEvent', async () => {
      const courseId = await createCourse();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => app.inject({ method: 'POST', url: `/courses/${courseId}/post` })),
      );
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        Array(10).fill(200),
      );
      const events = eventsOf(await outboxRows(db, keep), courseId);
      assert.deepEqual(
        events.map((e) => e.type),
        ['CourseCreatedEvent', 'CoursePostedEvent'],
      );
      // A mixed burst: every state change is one event. The clock ticks per call and is read after the row
      // lock is granted, so ordering events by lastUpdatedAt gives the order the transactions ran in.
      let tick = now;
      const ticking = await buildApp({ db, outbox: keep, clock: () => ++tick });
      extra.push(ticking);
      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ticking.inject({ method: 'POST', url: `/courses/${courseId}/${i % 2 ? 'post' : 'unpost'}` }),
        ),
      );
      assert.ok(burst.every((r) => r.statusCode === 200));
      const changes = eventsOf(await outboxRows(db, keep), courseId)
        .slice(2)
        .sort((a, b) => Number(a.payload.lastUpdatedAt) - Number(b.payload.lastUpdatedAt));
      const types = changes.map((e) => e.type);
      assert.ok(
        types.every((type, i) => type === (i % 2 ? 'CoursePostedEvent' : 'CourseUnpostedEvent')),
        types.join(),
      );
      assert.ok(changes.every((e) => e.payload.posted === (e.type === 'CoursePostedEvent')));
      const final = await getCourse(courseId);
      assert.equal(final.posted, (changes.at(-1)?.type ?? 'CoursePostedEvent') === 'CoursePostedEvent');
      assert.equal(final.lastUpdatedAt, changes.at(-1)?.payload.lastUpdatedAt ?? final.lastUpdatedAt);
    });

    it('bad input gets 400/404 problem JSON naming the field and writes nothing', async () => {
      const courses = await count(db, 'course');
      const missing = await app.inject({
        method: 'POST',
        url: '/courses',
        payload: { ...draft, name: undefined },
      });
      assert.equal(missing.statusCode, 400);
      assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual(missing.json().errors, [{ field: 'name', message: 'is required' }]);

      const badId = await app.inject({ method: 'POST', url: '/courses/not-a-uuid/post' });
      assert.equal(badId.statusCode, 400);
      assert.deepEqual(badId.json().errors, [{ field: 'courseId', message: 'must be a UUID' }]);

      const unknown = await app.inject({ method: 'POST', url: `/courses/${crypto.randomUUID()}/post` });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'COURSE_NOT_FOUND');

      assert.equal(await count(db, 'course'), courses);
      assert.deepEqual(await outboxRows(db, keep), []);
    });

    it('text the database cannot store, or a mistyped field, is a 400 naming the field; nothing is written', async () => {
      const courses = await count(db, 'course');
      // Raw JSON text: a lone surrogate travels as the `\ud800` escape a client would send.
      const cases: [string, string, string][] = [
        ['name', '"\\ud800"', 'must not contain a lone UTF-16 surrogate (invalid Unicode)'],
        ['description', '"ok \\udfff"', 'must not contain a lone UTF-16 surrogate (invalid Unicode)'],
        ['name', '"a\\u0000b"', 'must not contain the character U+0000'],
        ['thumbnail', '"x\\u0000"', 'must not contain the character U+0000'],
        ['name', '42', 'must be a string'],
        ['name', '["a"]', 'must be a string'],
      ];
      for (const [field, json, message] of cases) {
        const fields = Object.entries(draft).map(
          ([k, v]) => `"${k}":${k === field ? json : JSON.stringify(v)}`,
        );
        const res = await app.inject({
          method: 'POST',
          url: '/courses',
          payload: `{${fields.join(',')}}`,
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.statusCode, 400, `${field}: ${json}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        assert.equal(res.json().code, 'VALIDATION_FAILED');
        assert.deepEqual(res.json().errors, [{ field, message }], `${field}: ${json}`);
      }
      // Latin-1 bytes instead of UTF-8: decoding would store U+FFFD in their place.
      const latin1 = await app.inject({
        method: 'POST',
        url: '/courses',
        payload: Buffer.from(JSON.stringify({ ...draft, name: 'caf\u00e9' }), 'latin1'),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(latin1.statusCode, 400, latin1.body);
      assert.deepEqual(latin1.json().errors, [{ field: 'body', message: 'must be UTF-8 encoded' }]);
      assert.equal(await count(db, 'course'), courses);
      assert.deepEqual(await outboxRows(db, keep), []);
    });

    it('the longest valid texts, in 4-byte characters and edge code points, are stored unchanged', async () => {
      // The schema counts characters (code points) as MariaDB's utf8mb4 VARCHAR does; TEXT holds 65,535 bytes.
      const edge = '\u0001\u200b\ufffd\ufffe\uffff\u{10ffff}e\u0301';
      const longest = {
        name: `${edge}${'😀'.repeat(255 - [...edge].length)}`,
        description: '𝄞'.repeat(10_000),
        teacherId: TEACHER,
        thumbnail: `${edge}${'🖼'.repeat(1024 - [...edge].length)}`,
      };
      const courseId = await createCourse(app, longest);
      const course = await getCourse(courseId);
      assert.deepEqual(course, {
        courseId,
        ...longest,
        posted: false,
        registeredAt: now,
        lastUpdatedAt: now,
      });
      assert.deepEqual((await outboxRows(db, keep))[0]?.payload, course);

      for (const [field, value] of [
        ['name', `${longest.name}😀`],
        ['description', `${longest.description}𝄞`],
        ['thumbnail', `${longest.thumbnail}🖼`],
      ] as const) {
        const res = await app.inject({
          method: 'POST',
          url: '/courses',
          payload: { ...longest, [field]: value },
        });
        assert.equal(res.statusCode, 400, field);
        assert.deepEqual(
          res.json().errors.map((e: { field: string }) => e.field),
          [field],
        );
      }
      assert.equal((await outboxRows(db, keep)).length, 1);
    });

    it('a database that is down gives 503 "database unavailable"; /health stays 200', async () => {
      const down = connectDatabase(withPort(testDb.url, await closedPort()), { connectTimeoutMs: 2000 });
      extra.push(down);
      const downApp = await appWith(down, keep);
      for (const [method, url, payload] of [
        ['POST', '/courses', draft],
        ['GET', `/courses/${crypto.randomUUID()}`, undefined],
        ['POST', `/courses/${crypto.randomUUID()}/post`, undefined],
        ['GET', '/courses', undefined],
        ['GET', '/ready', undefined],
      ] as const) {
        const res = await downApp.inject({ method, url, ...(payload ? { payload } : {}) });
        assert.equal(res.statusCode, 503, `${method} ${url}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        const doc = res.json();
        assert.equal(doc.code, 'DATABASE_UNAVAILABLE');
        assert.match(doc.detail, /database unavailable/);
        assert.doesNotMatch(res.body, /outflow:outflow|password|ECONNREFUSED|127\.0\.0\.1|SELECT|INSERT/);
      }
      assert.equal((await downApp.inject('/health')).statusCode, 200);

      const closed = connectDatabase(testDb.url);
      const closedApp = await appWith(closed, keep);
      assert.equal((await closedApp.inject('/ready')).statusCode, 200);
      await closed.close();
      const res = await closedApp.inject({ method: 'POST', url: '/courses', payload: draft });
      assert.equal(res.statusCode, 503, res.body);
    });

    it('recovers by itself when the database comes back', async () => {
      const proxy = new TcpProxy(host, backend.port);
      await proxy.start();
      extra.push({ close: () => proxy.stop() });
      const viaProxy = connectDatabase(withPort(testDb.url, proxy.port), { connectTimeoutMs: 2000 });
      extra.push(viaProxy);
      const proxied = await appWith(viaProxy, keep);
      await createCourse(proxied);

      await proxy.stop(); // the database "goes away": listener closed, pooled connections cut
      const during = await proxied.inject({ method: 'POST', url: '/courses', payload: draft });
      assert.equal(during.statusCode, 503, during.body);
      assert.equal((await proxied.inject('/ready')).statusCode, 503);

      await proxy.start(); // ... and comes back on the same port
      const courseId = await createCourse(proxied);
      assert.equal((await proxied.inject('/ready')).statusCode, 200);
      assert.equal(
        (await proxied.inject({ method: 'POST', url: `/courses/${courseId}/post` })).statusCode,
        200,
      );
      assert.deepEqual(
        eventsOf(await outboxRows(db, keep), courseId).map((e) => e.type),
        ['CourseCreatedEvent', 'CoursePostedEvent'],
      );
    });
  });
}
