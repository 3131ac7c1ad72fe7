import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { DatabaseUnavailableError } from '../src/errors.ts';
import { FakeDatabase } from './support/fakes.ts';

const TEACHER = '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd';
const body = {
  name: 'MSA 파헤치기',
  description: 'MSA의 모든 것',
  teacherId: TEACHER,
  thumbnail: 'msa_course.jpeg',
};

describe('HTTP app (fake database)', () => {
  let db: FakeDatabase;
  let app: FastifyInstance;
  let logs: string[];

  before(async () => {
    db = new FakeDatabase();
    logs = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    app = await buildApp({
      db,
      outbox: db.outbox,
      logger: pino({ level: 'info' }, sink),
      clock: () => 1676458941000,
    });
  });
  after(() => app.close());
  beforeEach(() => {
    db.failWith = undefined;
    db.outbox.failWith = undefined;
  });

  function problemOf(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const doc = JSON.parse(res.body);
    assert.equal(doc.status, res.statusCode);
    for (const key of ['type', 'title', 'detail', 'code']) assert.equal(typeof doc[key], 'string', key);
    return doc;
  }

  it('POST /courses returns 201 {courseId} with a Location and writes CourseCreatedEvent', async () => {
    const res = await app.inject({ method: 'POST', url: '/courses', payload: body });
    assert.equal(res.statusCode, 201);
    const { courseId } = res.json();
    assert.equal(res.headers.location, `/courses/${courseId}`);
    assert.deepEqual(Object.keys(res.json()), ['courseId']);
    assert.equal(db.outbox.events.at(-1)?.type, 'CourseCreatedEvent');

    const get = await app.inject(`/courses/${courseId}`);
    assert.equal(get.statusCode, 200);
    assert.deepEqual(get.json(), {
      courseId,
      ...body,
      posted: false,
      registeredAt: 1676458941000,
      lastUpdatedAt: 1676458941000,
    });
  });

  it('post/unpost answer 200 {courseId} also when nothing changes', async () => {
    const { courseId } = (await app.inject({ method: 'POST', url: '/courses', payload: body })).json();
    const before = db.outbox.events.length;
    for (const action of ['post', 'post', 'unpost', 'unpost']) {
      const res = await app.inject({ method: 'POST', url: `/courses/${courseId}/${action}` });
      assert.equal(res.statusCode, 200, action);
      assert.deepEqual(res.json(), { courseId });
    }
    assert.deepEqual(
      db.outbox.events.slice(before).map((e) => e.type),
      ['CoursePostedEvent', 'CourseUnpostedEvent'],
    );
  });

  it('GET /courses pages with defaults page=0 size=20', async () => {
    const res = await app.inject('/courses');
    assert.equal(res.statusCode, 200);
    const page = res.json();
    assert.equal(page.page, 0);
    assert.equal(page.size, 20);
    assert.equal(page.total, db.courses.rows.size);
    assert.equal(page.items.length, Math.min(20, db.courses.rows.size));
  });

  it('invalid bodies give 400 problem JSON naming every field, and write nothing', async () => {
    const before = db.outbox.events.length;
    const res = await app.inject({
      method: 'POST',
      url: '/courses',
      payload: { description: 'x'.repeat(10001), teacherId: 'not-a-uuid', thumbnail: {}, extra: true },
    });
    assert.equal(res.statusCode, 400);
    const doc = problemOf(res);
    assert.equal(doc.code, 'VALIDATION_FAILED');
    assert.equal(doc.type, 'urn:outflow:problem:validation-failed');
    assert.deepEqual(
      Object.fromEntries(doc.errors.map((e: { field: string; message: string }) => [e.field, e.message])),
      {
        name: 'is required',
        extra: 'is not allowed',
        description: 'must be at most 10000 characters',
        teacherId: 'must be a UUID',
        thumbnail: 'must be a string',
      },
    );
    assert.match(doc.detail, /name is required/);
    assert.equal(db.outbox.events.length, before);
  });

  it('checks lengths and blanks: name 1..255 non-blank, thumbnail ≤ 1024, a urn:uuid: prefix is no UUID', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: '' }, 'name', 'must not be empty'],
      [{ name: '   ' }, 'name', 'must not be blank'],
      [{ name: 'n'.repeat(256) }, 'name', 'must be at most 255 characters'],
      [{ thumbnail: 't'.repeat(1025) }, 'thumbnail', 'must be at most 1024 characters'],
      [{ teacherId: `urn:uuid:${TEACHER}` }, 'teacherId', 'must be a UUID'],
    ];
    for (const [override, field, message] of cases) {
      const res = await app.inject({ method: 'POST', url: '/courses', payload: { ...body, ...override } });
      assert.equal(res.statusCode, 400, field);
      assert.deepEqual(problemOf(res).errors, [{ field, message }]);
    }
    const ok = await app.inject({
      method: 'POST',
      url: '/courses',
      payload: { ...body, name: 'n'.repeat(255) },
    });
    assert.equal(ok.statusCode, 201);
  });

  it('text no database can store, and mistyped fields, give 400 naming the field and write nothing', async () => {
    const rows = db.courses.rows.size;
    const events = db.outbox.events.length;
    // Raw JSON text, so that a lone surrogate travels as the `\ud800` escape a client would send.
    const cases: [string, string, string][] = [
      ['name', '"\\ud800"', 'must not contain a lone UTF-16 surrogate (invalid Unicode)'],
      ['name', '"MSA \\udc00 course"', 'must not contain a lone UTF-16 surrogate (invalid Unicode)'],
      ['description', '"a\\u0000b"', 'must not contain the character U+0000'],
      ['thumbnail', '"\\u0000"', 'must not contain the character U+0000'],
      ['name', '42', 'must be a string'],
      ['name', '["a"]', 'must be a string'],
      ['name', 'true', 'must be a string'],
      ['description', '{"text":"x"}', 'must be a string'],
      ['teacherId', '7', 'must be a string'],
    ];
    for (const [field, json, message] of cases) {
      const fields = Object.entries(body).map(([k, v]) => `"${k}":${k === field ? json : JSON.stringify(v)}`);
      const res = await app.inject({
        method: 'POST',
        url: '/courses',
        payload: `{${fields.join(',')}}`,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 400, `${field}: ${json}`);
      const doc = problemOf(res);
      assert.equal(doc.code, 'VALIDATION_FAILED');
      assert.deepEqual(doc.errors, [{ field, message }], `${field}: ${json}`);
    }
    const latin1 = await app.inject({
      method: 'POST',
      url: '/courses',
      payload: Buffer.from(JSON.stringify({ ...body, name: 'caf\u00e9' }), 'latin1'),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(latin1.statusCode, 400);
    assert.deepEqual(problemOf(latin1).errors, [{ field: 'body', message: 'must be UTF-8 encoded' }]);
    assert.equal(db.courses.rows.size, rows);
    assert.equal(db.outbox.events.length, events);

    // Paired surrogates (astral characters) are fine, and count as one character each.
    const astral = { ...body, name: '😀'.repeat(255), description: '𝄞 music' };
    const ok = await app.inject({ method: 'POST', url: '/courses', payload: astral });
    assert.equal(ok.statusCode, 201, ok.body);
    const stored = (await app.inject(`/courses/${ok.json().courseId}`)).json();
    assert.equal(stored.name, astral.name);
  });

  it('a courseId that is not a UUID gives 400 naming courseId', async () => {
    for (const url of ['/courses/abc', '/courses/abc/post', '/courses/abc/unpost']) {
      const res = await app.inject({ method: url.endsWith('abc') ? 'GET' : 'POST', url });
      assert.equal(res.statusCode, 400, url);
      assert.deepEqual(problemOf(res).errors, [{ field: 'courseId', message: 'must be a UUID' }]);
    }
  });

  it('bad paging gives 400 naming page and size', async () => {
    const res = await app.inject('/courses?page=-1&size=101');
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      problemOf(res)
        .errors.map((e: { field: string }) => e.field)
        .sort(),
      ['page', 'size'],
    );
  });

  it('an unknown course gives 404 COURSE_NOT_FOUND', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, url] of [
      ['GET', `/courses/${id}`],
      ['POST', `/courses/${id}/post`],
      ['POST', `/courses/${id}/unpost`],
    ] as const) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 404, url);
      const doc = problemOf(res);
      assert.equal(doc.code, 'COURSE_NOT_FOUND');
      assert.equal(doc.instance, url);
      assert.match(doc.detail, new RegExp(id));
    }
  });

  it('an unknown route gives 404 ROUTE_NOT_FOUND; malformed JSON and wrong media types give 4xx problems', async () => {
    assert.equal(problemOf(await app.inject('/nope')).code, 'ROUTE_NOT_FOUND');
    const malformed = await app.inject({
      method: 'POST',
      url: '/courses',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(problemOf(malformed).code, 'BAD_REQUEST');
    const xml = await app.inject({
      method: 'POST',
      url: '/courses',
      payload: '<course/>',
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal(xml.statusCode, 415);
    assert.equal(problemOf(xml).code, 'BAD_REQUEST');
    const text = await app.inject({
      method: 'POST',
      url: '/courses',
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.statusCode, 400);
    assert.deepEqual(problemOf(text).errors, [{ field: 'body', message: 'must be an object' }]);
  });

  it('a database that is down gives 503 "database unavailable" with Retry-After; /health stays 200', async () => {
    db.failWith = new DatabaseUnavailableError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    const res = await app.inject({ method: 'POST', url: '/courses', payload: body });
    assert.equal(res.statusCode, 503);
    const doc = problemOf(res);
    assert.equal(doc.code, 'DATABASE_UNAVAILABLE');
    assert.match(doc.detail, /database unavailable/);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal((await app.inject('/ready')).statusCode, 503);
    assert.equal((await app.inject('/health')).statusCode, 200);
    db.failWith = undefined;
    assert.equal((await app.inject('/ready')).statusCode, 200);
  });

  it('unexpected errors give a bare 500: no SQL or password in the response or the log', async () => {
    const secret = Object.assign(
      new Error("You have an error in your SQL syntax near 'SELECT password' at line 1"),
      {
        code: 'ER_PARSE_ERROR',
        sql: 'SELECT password FROM users WHERE pw = "hunter2"',
      },
    );
    db.failWith = secret;
    const res = await app.inject('/courses');
    assert.equal(res.statusCode, 500);
    const doc = problemOf(res);
    assert.equal(doc.code, 'INTERNAL');
    assert.doesNotMatch(res.body, /SELECT|hunter2|password/);
    const log = logs.join('');
    assert.match(log, /ER_PARSE_ERROR/);
    assert.doesNotMatch(log, /SELECT password|hunter2/);
  });

  it('an outbox failure after the insert rolls the course back and gives 500', async () => {
    const courses = db.courses.rows.size;
    db.outbox.failWith = new Error('injected');
    const res = await app.inject({ method: 'POST', url: '/courses', payload: body });
    assert.equal(res.statusCode, 500);
    assert.equal(db.courses.rows.size, courses);
  });

  it('serves the OpenAPI document at /docs/json and Swagger UI at /docs', async () => {
    const doc = (await app.inject('/docs/json')).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/courses',
      '/courses/{courseId}',
      '/courses/{courseId}/post',
      '/courses/{courseId}/unpost',
      '/health',
      '/ready',
    ]);
    for (const name of ['Course', 'CourseDraft', 'CourseIdResponse', 'CoursePage', 'Problem']) {
      assert.ok(doc.components.schemas[name], name);
    }
    const post = doc.paths['/courses'].post;
    assert.deepEqual(post.requestBody.content['application/json'].schema, {
      $ref: '#/components/schemas/CourseDraft',
    });
    assert.ok(post.responses['400'].content['application/problem+json']);
    const ui = await app.inject('/docs');
    assert.ok(ui.statusCode === 200 || ui.statusCode === 302);
  });
});
