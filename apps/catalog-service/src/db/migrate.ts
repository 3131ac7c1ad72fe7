import type { Inbox } from '@outflow/inbox';
import type { Database } from './database.ts';
import { mysqlCatalogSchema } from './mysql/schema.ts';
import { postgresCatalogSchema } from './postgres/schema.ts';

/**
 * Creates the `catalog_course` table and the inbox table if they are missing. Idempotent; run at start-up. On
 * PostgreSQL it runs in one transaction under an advisory lock, so instances starting together do not race.
 */
export async function migrate(db: Database, inbox: Inbox): Promise<void> {
  await db.transaction(async (tx) => {
    if (db.dialect === 'postgres') {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('outflow.catalog-service.migrate'))");
    }
    for (const statement of db.dialect === 'mysql' ? mysqlCatalogSchema : postgresCatalogSchema) {
      await tx.query(statement);
    }
    await inbox.migrate(tx);
  });
}
