import { createInbox } from '@outflow/inbox';
import { createOutbox } from '@outflow/outbox';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';

/** The outbox the orders are written to, the inbox consumers deduplicate with. */
export const outbox = createOutbox({ dialect: 'postgres', mode: 'keep' });
export const inbox = createInbox({ dialect: 'postgres' });

/** Prisma's engine-free client on `DATABASE_URL`, through the node-postgres driver adapter. */
export function connect(
  url = process.env.DATABASE_URL ?? 'postgres://outflow:outflow@127.0.0.1:5433/outflow',
) {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}

/** `prisma migrate deploy` would create these from prisma/schema.prisma; this runs the same DDL directly. */
export async function createTables(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRawUnsafe(
    'CREATE TABLE IF NOT EXISTS orders (id uuid PRIMARY KEY, customer text NOT NULL, total_cents integer NOT NULL)',
  );
  for (const sql of [...outbox.ddl(), ...inbox.ddl()]) await prisma.$executeRawUnsafe(sql);
}
