/** DDL of the catalog table on PostgreSQL. Idempotent. */
export const postgresCatalogSchema: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS catalog_course (
  course_id uuid PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  teacher_id uuid NOT NULL,
  thumbnail text NOT NULL,
  posted boolean NOT NULL,
  registered_at timestamptz(3) NOT NULL,
  last_updated_at timestamptz(3) NOT NULL
)`,
  'CREATE INDEX IF NOT EXISTS catalog_course_posted ON catalog_course (registered_at DESC, course_id DESC) WHERE posted',
];
