import { createOutbox, migrate as migrateOutbox, type Outbox } from '@outflow/outbox';
import type { Database } from './database.ts';
import { mysqlCourseSchema } from './mysql/schema.ts';
import { postgresCourseSchema } from './postgres/schema.ts';

/**
 * Creates the `course` table and the outbox table if they are missing. Idempotent; run at start-up. On
 * PostgreSQL it runs in one transaction under an advisory lock, so instances starting together do not race.
 *
 * @param outbox the outbox whose table to create (its dialect, table name and columns); by default the
 *   standard `outbox` table for the database's dialect.
 */
export async function migrate(
  db: Database,
  outbox: Outbox = createOutbox({ dialect: db.dialect }),
): Promise<void> {
  await db.transaction(async (tx) => {
    if (db.dialect === 'postgres') {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('outflow.course-service.migrate'))");
    }
    for (const statement of db.dialect === 'mysql' ? mysqlCourseSchema : postgresCourseSchema) {
      await tx.query(statement);
    }
    await migrateOutbox(tx, outbox);
  });
}
