import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { type CourseService, createCourseService } from '../src/courses/course-service.ts';
import { CourseNotFoundError } from '../src/errors.ts';
import { fakeTx, InMemoryCourseRepository, RecordingOutbox } from './support/fakes.ts';

const draft = {
  name: 'MSA',
  description: 'all of it',
  teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
  thumbnail: 't.jpeg',
};
const ID = 'bc32dd3f-2334-43d9-9493-71b538510efe';

describe('CourseService (with fakes)', () => {
  let courses: InMemoryCourseRepository;
  let outbox: RecordingOutbox;
  let service: CourseService;
  let now: number;

  beforeEach(() => {
    courses = new InMemoryCourseRepository();
    outbox = new RecordingOutbox();
    now = 1000;
    service = createCourseService({ courses, outbox, clock: () => now, newId: () => ID });
  });

  it('create inserts the course and writes CourseCreatedEvent', async () => {
    const course = await service.create(fakeTx, draft);
    assert.equal(course.courseId, ID);
    assert.deepEqual(courses.rows.get(ID), course);
    assert.deepEqual(
      outbox.events.map((e) => [e.type, e.aggregateType, e.aggregateId]),
      [['CourseCreatedEvent', 'Course', ID]],
    );
    assert.deepEqual(outbox.events[0]?.payload, course);
  });

  it('post locks the row, updates it and writes CoursePostedEvent', async () => {
    await service.create(fakeTx, draft);
    courses.calls.length = 0;
    now = 2000;
    const { course, event } = await service.post(fakeTx, ID.toUpperCase());
    assert.deepEqual(courses.calls, [`find-for-update ${ID}`, `update ${ID}`]);
    assert.equal(course.posted, true);
    assert.equal(course.lastUpdatedAt, 2000);
    assert.equal(event?.type, 'CoursePostedEvent');
    assert.deepEqual(
      outbox.events.map((e) => e.type),
      ['CourseCreatedEvent', 'CoursePostedEvent'],
    );
  });

  it('post and unpost are idempotent: a repeat neither updates nor writes an event', async () => {
    await service.create(fakeTx, draft);
    await service.post(fakeTx, ID);
    courses.calls.length = 0;
    const again = await service.post(fakeTx, ID);
    assert.equal(again.event, null);
    assert.deepEqual(courses.calls, [`find-for-update ${ID}`]);

    await service.unpost(fakeTx, ID);
    const unpostAgain = await service.unpost(fakeTx, ID);
    assert.equal(unpostAgain.event, null);
    assert.deepEqual(
      outbox.events.map((e) => e.type),
      ['CourseCreatedEvent', 'CoursePostedEvent', 'CourseUnpostedEvent'],
    );
    assert.equal(courses.rows.get(ID)?.posted, false);
  });

  it('unposting a never-posted course writes nothing', async () => {
    await service.create(fakeTx, draft);
    const result = await service.unpost(fakeTx, ID);
    assert.equal(result.event, null);
    assert.equal(outbox.events.length, 1);
  });

  it('get, post and unpost of an unknown course throw COURSE_NOT_FOUND and write nothing', async () => {
    for (const call of [service.get, service.post, service.unpost]) {
      await assert.rejects(call(fakeTx, ID), (error: unknown) => {
        assert.ok(error instanceof CourseNotFoundError);
        assert.equal(error.code, 'COURSE_NOT_FOUND');
        return true;
      });
    }
    assert.equal(outbox.events.length, 0);
  });

  it('list pages newest first', async () => {
    let n = 0;
    service = createCourseService({ courses, outbox, clock: () => ++n * 1000, newId: () => `id-${n + 1}` });
    for (let i = 0; i < 5; i++) await service.create(fakeTx, { ...draft, name: `c${i}` });
    const first = await service.list(fakeTx, { page: 0, size: 2 });
    assert.deepEqual(
      first.items.map((c) => c.name),
      ['c4', 'c3'],
    );
    assert.equal(first.total, 5);
    const last = await service.list(fakeTx, { page: 2, size: 2 });
    assert.deepEqual(
      last.items.map((c) => c.name),
      ['c0'],
    );
  });

  it('an outbox failure propagates, so the caller rolls the whole transaction back', async () => {
    outbox.failWith = new Error('injected');
    await assert.rejects(service.create(fakeTx, draft), /injected/);
  });
});
