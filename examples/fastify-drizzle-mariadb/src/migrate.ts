import { sql } from 'drizzle-orm';
import { connect, outbox } from './db.ts';

// drizzle-kit can generate these from src/schema.ts; the example runs the DDL itself so it needs no CLI.
const { db, pool } = connect();
await db.execute(
  sql.raw(
    'CREATE TABLE IF NOT EXISTS courses (id VARCHAR(36) PRIMARY KEY, name VARCHAR(200) NOT NULL, teacher_id VARCHAR(36) NOT NULL)',
  ),
);
for (const statement of outbox.ddl()) await db.execute(sql.raw(statement));
await pool.end();
console.log('migrated: courses, outbox');
