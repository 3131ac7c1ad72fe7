import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Course, courseEvent, postCourse, registerCourse, unpostCourse } from '../src/courses/course.ts';

const T0 = 1676458941000;
const T1 = 1676598812000;
const draft = {
  name: 'MSA 파헤치기',
  description: 'MSA의 모든 것을 가르쳐 드립니다.',
  teacherId: '7EAD2ED1-77FA-4D70-BDFD-77E67C513BBD',
  thumbnail: 'msa_course.jpeg',
};

function registered(): Course {
  return registerCourse(draft, { courseId: 'bc32dd3f-2334-43d9-9493-71b538510efe', now: T0 }).course;
}

describe('registerCourse', () => {
  it('creates an unposted course and its CourseCreatedEvent', () => {
    const { course, event } = registerCourse(draft, {
      courseId: 'BC32DD3F-2334-43D9-9493-71B538510EFE',
      now: T0,
    });
    assert.deepEqual(course, {
      courseId: 'bc32dd3f-2334-43d9-9493-71b538510efe',
      name: 'MSA 파헤치기',
      description: 'MSA의 모든 것을 가르쳐 드립니다.',
      teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
      thumbnail: 'msa_course.jpeg',
      posted: false,
      registeredAt: T0,
      lastUpdatedAt: T0,
    });
    assert.deepEqual(event, {
      aggregateType: 'Course',
      aggregateId: course.courseId,
      type: 'CourseCreatedEvent',
      payload: course,
    });
  });
});

describe('postCourse', () => {
  it('posts an unposted course and emits CoursePostedEvent with the new state', () => {
    const { course, event } = postCourse(registered(), T1);
    assert.equal(course.posted, true);
    assert.equal(course.lastUpdatedAt, T1);
    assert.equal(course.registeredAt, T0);
    assert.deepEqual(event, courseEvent('CoursePostedEvent', course));
  });

  it('is idempotent: posting a posted course changes nothing and emits nothing', () => {
    const once = postCourse(registered(), T1).course;
    const twice = postCourse(once, T1 + 1000);
    assert.equal(twice.course, once);
    assert.equal(twice.event, null);
  });

  it('never moves lastUpdatedAt backwards', () => {
    assert.equal(postCourse(registered(), T0 - 5000).course.lastUpdatedAt, T0);
  });
});

describe('unpostCourse', () => {
  it('unposts a posted course and emits CourseUnpostedEvent', () => {
    const posted = postCourse(registered(), T1).course;
    const { course, event } = unpostCourse(posted, T1 + 1);
    assert.equal(course.posted, false);
    assert.equal(course.lastUpdatedAt, T1 + 1);
    assert.equal(event?.type, 'CourseUnpostedEvent');
    assert.deepEqual(event?.payload, course);
  });

  it('is idempotent: unposting an unposted course changes nothing and emits nothing', () => {
    const course = registered();
    const result = unpostCourse(course, T1);
    assert.equal(result.course, course);
    assert.equal(result.event, null);
  });
});

describe('courseEvent', () => {
  it("serializes like the seed's payload: the course's fields, times as epoch milliseconds", () => {
    const posted = postCourse(registered(), T1).course;
    const json = JSON.parse(JSON.stringify(courseEvent('CoursePostedEvent', posted).payload));
    assert.deepEqual(json, {
      courseId: 'bc32dd3f-2334-43d9-9493-71b538510efe',
      name: 'MSA 파헤치기',
      description: 'MSA의 모든 것을 가르쳐 드립니다.',
      teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
      thumbnail: 'msa_course.jpeg',
      posted: true,
      registeredAt: 1676458941000,
      lastUpdatedAt: 1676598812000,
    });
  });

  it('copies the course, so later changes do not leak into a written payload', () => {
    const course = registered();
    const event = courseEvent('CourseCreatedEvent', course);
    assert.notEqual(event.payload, course);
  });
});
