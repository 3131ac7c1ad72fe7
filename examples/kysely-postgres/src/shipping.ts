import { inboxDatabase, inboxHandler } from '@outflow/adapters/kysely';
import { createInboxConsumer, type Handlers, type InboxConsumer } from '@outflow/inbox';
import type { Kysely } from 'kysely';
import { type Database, inbox } from './db.ts';
import type { OrderPlaced } from './orders.ts';

type Events = { OrderPlaced: OrderPlaced };

/** The shipping side: one shipment per OrderPlaced, written in the same transaction as the inbox row. */
export function shippingConsumer(
  db: Kysely<Database>,
  options: { bootstrapServers: string; topic: string },
): InboxConsumer {
  const handlers: Handlers<Events> = {
    OrderPlaced: inboxHandler<Database, OrderPlaced>(async (trx, event) => {
      await trx
        .insertInto('shipments')
        .values({ order_id: event.payload.id, customer: event.payload.customer })
        .execute();
    }),
  };
  return createInboxConsumer<Events>({
    bootstrapServers: options.bootstrapServers,
    groupId: 'example-shipping',
    topics: [options.topic],
    database: inboxDatabase(db, { dialect: 'postgres' }),
    inbox,
    handlers,
    startFrom: 'earliest',
  });
}
