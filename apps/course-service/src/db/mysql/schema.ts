/** DDL of the course table on MySQL/MariaDB. Idempotent. */
export const mysqlCourseSchema: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS course (
  course_id CHAR(36) NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  description TEXT NOT NULL,
  teacher_id CHAR(36) NOT NULL,
  thumbnail VARCHAR(1024) NOT NULL,
  posted BOOLEAN NOT NULL DEFAULT FALSE,
  registered_at DATETIME(3) NOT NULL,
  last_updated_at DATETIME(3) NOT NULL,
  KEY course_registered_at (registered_at, course_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`,
];
