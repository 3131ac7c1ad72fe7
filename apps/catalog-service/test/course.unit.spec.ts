import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CatalogCourse, decide, parseCoursePayload } from '../src/index.ts';

const base: CatalogCourse = {
  courseId: 'bc32dd3f-1c2b-4b7a-9d51-0a3f6f5c2e11',
  name: 'MSA',
  description: 'd',
  teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
  thumbnail: 't.jpeg',
  posted: false,
  registeredAt: 1000,
  lastUpdatedAt: 1000,
};

test('parseCoursePayload accepts the course JSON and lower-cases its UUIDs', () => {
  const parsed = parseCoursePayload({ ...base, courseId: base.courseId.toUpperCase() });
  assert.deepEqual(parsed, base);
});

test('parseCoursePayload names the first bad field', () => {
  assert.throws(() => parseCoursePayload('x'), {
    code: 'EVENT_PAYLOAD_INVALID',
    message: /payload must be an object/,
  });
  assert.throws(() => parseCoursePayload({ ...base, courseId: 'nope' }), /courseId must be a UUID/);
  assert.throws(() => parseCoursePayload({ ...base, posted: 'yes' }), /posted must be a boolean/);
  assert.throws(() => parseCoursePayload({ ...base, lastUpdatedAt: '2023' }), /lastUpdatedAt must be epoch/);
});

test('a posted course is saved; created-unposted is ignored; an explicit unpost leaves a marker', () => {
  assert.deepEqual(decide(undefined, 'CoursePostedEvent', base), {
    action: 'save',
    course: { ...base, posted: true },
  });
  assert.deepEqual(decide(undefined, 'CourseCreatedEvent', base), {
    action: 'ignore',
    reason: 'never-posted',
  });
  assert.deepEqual(decide(undefined, undefined, base), { action: 'ignore', reason: 'never-posted' });
  assert.deepEqual(decide(undefined, 'CourseUnpostedEvent', { ...base, posted: true }), {
    action: 'save',
    course: { ...base, posted: false },
  });
  assert.deepEqual(decide(undefined, 'CourseCreatedEvent', { ...base, posted: true }).action, 'save');
});

test('without a type the payload decides: an update of a posted course updates it', () => {
  const stored = { ...base, posted: true, lastUpdatedAt: 2000 };
  const update = { ...base, name: 'new', posted: true, lastUpdatedAt: 3000 };
  assert.deepEqual(decide(stored, undefined, update), { action: 'save', course: update });
  assert.deepEqual(decide(stored, 'SomethingElse', { ...update, posted: false }).action, 'save');
});

test('an older state is ignored; an equal one is applied (same millisecond, later in the partition)', () => {
  const stored = { ...base, posted: true, lastUpdatedAt: 2000 };
  assert.deepEqual(decide(stored, 'CourseUnpostedEvent', { ...base, lastUpdatedAt: 1999 }), {
    action: 'ignore',
    reason: 'stale',
  });
  assert.deepEqual(decide(stored, 'CourseUnpostedEvent', { ...base, lastUpdatedAt: 2000 }), {
    action: 'save',
    course: { ...base, posted: false, lastUpdatedAt: 2000 },
  });
});
