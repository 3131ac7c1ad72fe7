/** DDL of the catalog table on MySQL/MariaDB. Idempotent. */
export const mysqlCatalogSchema: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS catalog_course (
  course_id CHAR(36) NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  description TEXT NOT NULL,
  teacher_id CHAR(36) NOT NULL,
  thumbnail VARCHAR(1024) NOT NULL,
  posted BOOLEAN NOT NULL,
  registered_at DATETIME(3) NOT NULL,
  last_updated_at DATETIME(3) NOT NULL,
  KEY catalog_course_posted (posted, registered_at, course_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`,
];
