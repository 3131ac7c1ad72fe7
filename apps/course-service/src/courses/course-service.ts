import { randomUUID } from 'node:crypto';
import type { Outbox } from '@outflow/outbox';
import type { Transaction } from '../db/database.ts';
import { CourseNotFoundError } from '../errors.ts';
import {
  type Course,
  type CourseChange,
  type CourseDraft,
  postCourse,
  registerCourse,
  unpostCourse,
} from './course.ts';
import type { CoursePage, CourseRepository } from './course-repository.ts';

/**
 * The course use cases. Every method takes the caller's open transaction first and never commits: the business
 * change and its outbox row become visible together when the caller commits, or not at all.
 */
export interface CourseService {
  /** Registers a new, unposted course and writes `CourseCreatedEvent`. */
  create(tx: Transaction, draft: CourseDraft): Promise<Course>;
  /** The course; throws `CourseNotFoundError` if there is none. */
  get(tx: Transaction, courseId: string): Promise<Course>;
  /** Courses newest first; `page` counts from 0. */
  list(tx: Transaction, page: { page: number; size: number }): Promise<CoursePage>;
  /**
   * Posts the course and writes `CoursePostedEvent`; an already posted course is left alone and nothing is
   * written. The row is locked first (`SELECT … FOR UPDATE`), so concurrent posts emit exactly one event.
   */
  post(tx: Transaction, courseId: string): Promise<CourseChange>;
  /** Unposts the course and writes `CourseUnpostedEvent`; like {@link CourseService.post}, idempotent. */
  unpost(tx: Transaction, courseId: string): Promise<CourseChange>;
}

/** What the course service needs. */
export interface CourseServiceDependencies {
  readonly courses: CourseRepository;
  readonly outbox: Pick<Outbox, 'write'>;
  /** Epoch milliseconds; default `Date.now`. */
  readonly clock?: () => number;
  /** New course ids; default `crypto.randomUUID`. */
  readonly newId?: () => string;
}

/** Builds the course service. */
export function createCourseService(deps: CourseServiceDependencies): CourseService {
  const { courses, outbox } = deps;
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? randomUUID;

  async function change(
    tx: Transaction,
    courseId: string,
    command: (course: Course, now: number) => CourseChange,
  ): Promise<CourseChange> {
    const id = courseId.toLowerCase();
    const current = await courses.find(tx, id, { forUpdate: true });
    if (current === undefined) throw new CourseNotFoundError(id);
    const result = command(current, clock());
    if (result.event !== null) {
      await courses.update(tx, result.course);
      await outbox.write(tx, result.event);
    }
    return result;
  }

  return {
    async create(tx, draft) {
      const { course, event } = registerCourse(draft, { courseId: newId(), now: clock() });
      await courses.insert(tx, course);
      if (event !== null) await outbox.write(tx, event);
      return course;
    },

    async get(tx, courseId) {
      const id = courseId.toLowerCase();
      const course = await courses.find(tx, id);
      if (course === undefined) throw new CourseNotFoundError(id);
      return course;
    },

    list: (tx, { page, size }) => courses.list(tx, { offset: page * size, limit: size }),
    post: (tx, courseId) => change(tx, courseId, postCourse),
    unpost: (tx, courseId) => change(tx, courseId, unpostCourse),
  };
}
