/**
 * The Course aggregate and its events. Pure: no I/O, no clock, no random ids (callers pass `now` and ids), so
 * post/unpost idempotence is tested without a database.
 */
import type { Outboxable } from '@outflow/outbox';

/** A course as stored and as sent in event payloads. Times are epoch milliseconds. */
export interface Course {
  readonly courseId: string;
  readonly name: string;
  readonly description: string;
  readonly teacherId: string;
  readonly thumbnail: string;
  readonly posted: boolean;
  readonly registeredAt: number;
  readonly lastUpdatedAt: number;
}

/** What a teacher submits to create a course. */
export interface CourseDraft {
  readonly name: string;
  readonly description: string;
  readonly teacherId: string;
  readonly thumbnail: string;
}

/** The aggregate type written to the outbox for every course event. */
export const COURSE_AGGREGATE_TYPE = 'Course';

/** Event types, named as in the seed's Spring service (`CoursePostedEvent`). */
export type CourseEventType = 'CourseCreatedEvent' | 'CoursePostedEvent' | 'CourseUnpostedEvent';

/** A course event ready for `outbox.write`: aggregate `Course`, id = courseId, payload = the course. */
export interface CourseEvent extends Outboxable {
  readonly aggregateType: typeof COURSE_AGGREGATE_TYPE;
  readonly aggregateId: string;
  readonly type: CourseEventType;
  readonly payload: Course;
}

/** The outcome of a command: the course after it, and the event to write (`null` when nothing changed). */
export interface CourseChange {
  readonly course: Course;
  readonly event: CourseEvent | null;
}

/** Builds the event of `type` for `course`; the payload is a plain copy with the fields in a fixed order. */
export function courseEvent(type: CourseEventType, course: Course): CourseEvent {
  return {
    aggregateType: COURSE_AGGREGATE_TYPE,
    aggregateId: course.courseId,
    type,
    payload: {
      courseId: course.courseId,
      name: course.name,
      description: course.description,
      teacherId: course.teacherId,
      thumbnail: course.thumbnail,
      posted: course.posted,
      registeredAt: course.registeredAt,
      lastUpdatedAt: course.lastUpdatedAt,
    },
  };
}

/** Creates an unposted course registered at `now`, with its `CourseCreatedEvent`. UUIDs are lower-cased. */
export function registerCourse(draft: CourseDraft, ids: { courseId: string; now: number }): CourseChange {
  const course: Course = {
    courseId: ids.courseId.toLowerCase(),
    name: draft.name,
    description: draft.description,
    teacherId: draft.teacherId.toLowerCase(),
    thumbnail: draft.thumbnail,
    posted: false,
    registeredAt: ids.now,
    lastUpdatedAt: ids.now,
  };
  return { course, event: courseEvent('CourseCreatedEvent', course) };
}

/**
 * Posts the course. Idempotent: an already posted course is returned unchanged, with no event.
 * `lastUpdatedAt` never goes backwards, even if the clock does.
 */
export function postCourse(course: Course, now: number): CourseChange {
  if (course.posted) return { course, event: null };
  const posted: Course = { ...course, posted: true, lastUpdatedAt: Math.max(now, course.lastUpdatedAt) };
  return { course: posted, event: courseEvent('CoursePostedEvent', posted) };
}

/** Unposts the course. Idempotent: an unposted course is returned unchanged, with no event. */
export function unpostCourse(course: Course, now: number): CourseChange {
  if (!course.posted) return { course, event: null };
  const unposted: Course = { ...course, posted: false, lastUpdatedAt: Math.max(now, course.lastUpdatedAt) };
  return { course: unposted, event: courseEvent('CourseUnpostedEvent', unposted) };
}
