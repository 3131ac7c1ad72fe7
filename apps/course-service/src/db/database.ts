/**
 * The course service's database: `@outflow/service-kit`'s pool (transactions that join the outbox, ping,
 * close) plus the course repository of its dialect.
 */
import type { ServiceDatabase } from '@outflow/service-kit';
import type { CourseRepository } from '../courses/course-repository.ts';

export type { Dialect, PoolOptions, Transaction } from '@outflow/service-kit';

/** A connection pool to the course database. */
export interface Database extends ServiceDatabase {
  /** The course repository for this dialect. */
  readonly courses: CourseRepository;
}
