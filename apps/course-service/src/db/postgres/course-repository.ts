import { selectPostgresRows as select } from '@outflow/service-kit';
import type { Course } from '../../courses/course.ts';
import type { CoursePage, CourseRepository } from '../../courses/course-repository.ts';

interface CourseRow {
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

function toCourse(row: CourseRow): Course {
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

/** Courses in PostgreSQL's `course` table (`uuid`, `text`, `boolean`, `timestamptz(3)` columns). */
export function createPostgresCourseRepository(): CourseRepository {
  return {
    async find(tx, courseId, options = {}) {
      const lock = options.forUpdate ? ' FOR UPDATE' : '';
      const rows = await select<CourseRow>(tx, `SELECT ${COLUMNS} FROM course WHERE course_id = $1${lock}`, [
        courseId,
      ]);
      return rows[0] === undefined ? undefined : toCourse(rows[0]);
    },

    async insert(tx, c) {
      await tx.query(`INSERT INTO course (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        c.courseId,
        c.name,
        c.description,
        c.teacherId,
        c.thumbnail,
        c.posted,
        new Date(c.registeredAt),
        new Date(c.lastUpdatedAt),
      ]);
    },

    async update(tx, c) {
      await tx.query('UPDATE course SET posted = $1, last_updated_at = $2 WHERE course_id = $3', [
        c.posted,
        new Date(c.lastUpdatedAt),
        c.courseId,
      ]);
    },

    async list(tx, { offset, limit }): Promise<CoursePage> {
      const rows = await select<CourseRow>(
        tx,
        `SELECT ${COLUMNS} FROM course ORDER BY registered_at DESC, course_id DESC LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
      const [count] = await select<{ total: string }>(tx, 'SELECT COUNT(*) AS total FROM course', []);
      return { items: rows.map(toCourse), total: Number(count?.total ?? 0) };
    },
  };
}
