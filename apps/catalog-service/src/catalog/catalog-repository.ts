import type { SqlExecutor } from '@outflow/inbox';
import type { CatalogCourse } from './course.ts';

/** One page of posted courses and how many there are in all. */
export interface CatalogPage {
  readonly items: CatalogCourse[];
  readonly total: number;
}

/**
 * The `catalog_course` table. Every method runs on the caller's transaction (`tx`) and never commits; one
 * implementation per dialect in `db/mysql` and `db/postgres`.
 */
export interface CatalogRepository {
  /** The stored course, posted or not; `forUpdate` locks the row until the transaction ends. */
  find(
    tx: SqlExecutor,
    courseId: string,
    options?: { forUpdate?: boolean },
  ): Promise<CatalogCourse | undefined>;
  /** Inserts the course, or replaces every column of the stored one. */
  save(tx: SqlExecutor, course: CatalogCourse, exists: boolean): Promise<void>;
  /** Posted courses, newest registration first. */
  listPosted(tx: SqlExecutor, page: { offset: number; limit: number }): Promise<CatalogPage>;
}
