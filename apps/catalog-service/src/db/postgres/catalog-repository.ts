import { selectPostgresRows as select } from '@outflow/service-kit';
import type { CatalogPage, CatalogRepository } from '../../catalog/catalog-repository.ts';
import type { CatalogCourse } from '../../catalog/course.ts';

interface Row {
  course_id: string;
  name: string;
  description: string;
  teacher_id: string;
  thumbnail: string;
  posted: boolean;
  registered_at: Date;
  last_updated_at: Date;
}

const COLUMNS = 'course_id, name, description, teacher_id, thumbnail, posted, registered_at, last_updated_at';

function toCourse(row: Row): CatalogCourse {
  return {
    courseId: row.course_id,
    name: row.name,
    description: row.description,
    teacherId: row.teacher_id,
    thumbnail: row.thumbnail,
    posted: row.posted,
    registeredAt: row.registered_at.getTime(),
    lastUpdatedAt: row.last_updated_at.getTime(),
  };
}

/** `catalog_course` on PostgreSQL (`uuid`, `text`, `boolean`, `timestamptz(3)` columns). */
export function createPostgresCatalogRepository(): CatalogRepository {
  return {
    async find(tx, courseId, options = {}) {
      const lock = options.forUpdate ? ' FOR UPDATE' : '';
      const rows = await select<Row>(
        tx,
        `SELECT ${COLUMNS} FROM catalog_course WHERE course_id = $1${lock}`,
        [courseId],
      );
      return rows[0] === undefined ? undefined : toCourse(rows[0]);
    },

    async save(tx, c, exists) {
      const values = [
        c.name,
        c.description,
        c.teacherId,
        c.thumbnail,
        c.posted,
        new Date(c.registeredAt),
        new Date(c.lastUpdatedAt),
      ];
      if (exists) {
        await tx.query(
          'UPDATE catalog_course SET name = $1, description = $2, teacher_id = $3, thumbnail = $4, posted = $5, ' +
            'registered_at = $6, last_updated_at = $7 WHERE course_id = $8',
          [...values, c.courseId],
        );
      } else {
        await tx.query(`INSERT INTO catalog_course (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
          c.courseId,
          ...values,
        ]);
      }
    },

    async listPosted(tx, { offset, limit }): Promise<CatalogPage> {
      const rows = await select<Row>(
        tx,
        `SELECT ${COLUMNS} FROM catalog_course WHERE posted ORDER BY registered_at DESC, course_id DESC LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
      const [count] = await select<{ total: number | string }>(
        tx,
        'SELECT COUNT(*) AS total FROM catalog_course WHERE posted',
        [],
      );
      return { items: rows.map(toCourse), total: Number(count?.total ?? 0) };
    },
  };
}
