import type { Transaction } from '../db/database.ts';
import type { Course } from './course.ts';

/** One page of courses, newest first, and how many courses exist in all. */
export interface CoursePage {
  readonly items: Course[];
  readonly total: number;
}

/**
 * Stores courses. One implementation per database (`src/db/mysql`, `src/db/postgres`). Every method runs on
 * the caller's transaction `tx` and never begins, commits or rolls back; the caller owns the transaction.
 */
export interface CourseRepository {
  /**
   * The course with this id, or `undefined`. With `forUpdate` the row stays locked (`SELECT … FOR UPDATE`)
   * until `tx` ends, so concurrent commands on the same course run one after the other.
   */
  find(tx: Transaction, courseId: string, options?: { forUpdate?: boolean }): Promise<Course | undefined>;
  /** Inserts a new course. */
  insert(tx: Transaction, course: Course): Promise<void>;
  /** Writes the mutable state of an existing course (`posted`, `lastUpdatedAt`). */
  update(tx: Transaction, course: Course): Promise<void>;
  /** A page of courses ordered newest first (`registeredAt`, then `courseId`, descending). */
  list(tx: Transaction, page: { offset: number; limit: number }): Promise<CoursePage>;
}
