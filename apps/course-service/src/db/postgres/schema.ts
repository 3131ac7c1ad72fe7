/** DDL of the course table on PostgreSQL. Idempotent. */
export const postgresCourseSchema: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS course (
  course_id uuid PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  teacher_id uuid NOT NULL,
  thumbnail text NOT NULL,
  posted boolean NOT NULL DEFAULT false,
  registered_at timestamptz(3) NOT NULL,
  last_updated_at timestamptz(3) NOT NULL
)`,
  'CREATE INDEX IF NOT EXISTS course_registered_at ON course (registered_at DESC, course_id DESC)',
];
