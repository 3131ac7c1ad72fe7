import { selectMysqlRows as select } from '@outflow/service-kit';
import type { CatalogPage, CatalogRepository } from '../../catalog/catalog-repository.ts';
import type { CatalogCourse } from '../../catalog/course.ts';

interface Row {
  course_id: string;
  name: string;
  description: string;
  teacher_id: string;
  thumbnail: string;
  posted: number;
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
    posted: Boolean(row.posted),
    registeredAt: row.registered_at.getTime(),
    lastUpdatedAt: row.last_updated_at.getTime(),
  };
}

/** `catalog_course` on MySQL/MariaDB; needs a pool created with `timezone: 'Z'` (DATETIME(3) in UTC). */
export function createMysqlCatalogRepository(): CatalogRepository {
  return {
    async find(tx, courseId, options = {}) {
      const lock = options.forUpdate ? ' FOR UPDATE' : '';
      const rows = await select<Row>(tx, `SELECT ${COLUMNS} FROM catalog_course WHERE course_id = ?${lock}`, [
        courseId,
      ]);
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
          'UPDATE catalog_course SET name = ?, description = ?, teacher_id = ?, thumbnail = ?, posted = ?, ' +
            'registered_at = ?, last_updated_at = ? WHERE course_id = ?',
          [...values, c.courseId],
        );
      } else {
        await tx.query(`INSERT INTO catalog_course (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
          c.courseId,
          ...values,
        ]);
      }
    },

    async listPosted(tx, { offset, limit }): Promise<CatalogPage> {
      const rows = await select<Row>(
        tx,
        `SELECT ${COLUMNS} FROM catalog_course WHERE posted ORDER BY registered_at DESC, course_id DESC LIMIT ? OFFSET ?`,
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
