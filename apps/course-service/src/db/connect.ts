import { connectPool, type PoolOptions } from '@outflow/service-kit';
import type { Database } from './database.ts';
import { createMysqlCourseRepository } from './mysql/course-repository.ts';
import { createPostgresCourseRepository } from './postgres/course-repository.ts';

export { ensureDatabaseExists } from '@outflow/service-kit';

/**
 * Opens a connection pool on the database at `url`; the scheme picks the implementation (`mysql://`,
 * `mariadb://` → MySQL/MariaDB; `postgres://`, `postgresql://` → PostgreSQL). Connects lazily: a database that
 * is down only shows when the pool is used.
 */
export function connectDatabase(url: string, options: PoolOptions = {}): Database {
  const pool = connectPool(url, options);
  const courses = pool.dialect === 'mysql' ? createMysqlCourseRepository() : createPostgresCourseRepository();
  return { ...pool, courses };
}
