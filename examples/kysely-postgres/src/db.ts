import { migration } from '@outflow/adapters/kysely';
import { createInbox } from '@outflow/inbox';
import { createOutbox } from '@outflow/outbox';
import { type Generated, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

/** The service's own tables. */
export interface Database {
  orders: { id: Generated<string>; customer: string; total_cents: number; placed_at: Generated<Date> };
  shipments: { order_id: string; customer: string; created_at: Generated<Date> };
}

/** The outbox the orders are written to and the inbox the shipping consumer deduplicates with. */
export const outbox = createOutbox({ dialect: 'postgres' });
export const inbox = createInbox({ dialect: 'postgres' });

/** A Kysely instance on `DATABASE_URL`. */
export function connect(
  url = process.env.DATABASE_URL ?? 'postgres://outflow:outflow@127.0.0.1:5433/outflow',
) {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
  });
}

/** Creates the service's tables, then the outbox and inbox through Outflow's Kysely migration. */
export async function migrate(db: Kysely<Database>): Promise<void> {
  await db.schema
    .createTable('orders')
    .ifNotExists()
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(db.fn('gen_random_uuid')))
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('total_cents', 'integer', (c) => c.notNull())
    .addColumn('placed_at', 'timestamptz', (c) => c.notNull().defaultTo(db.fn('now')))
    .execute();
  await db.schema
    .createTable('shipments')
    .ifNotExists()
    .addColumn('order_id', 'uuid', (c) => c.primaryKey())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(db.fn('now')))
    .execute();
  await migration(outbox, inbox).up(db as Kysely<unknown>);
}
