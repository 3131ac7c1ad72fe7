import { inboxDatabase, inboxHandler } from '@outflow/adapters/knex';
import { createInbox, createInboxConsumer, type Handlers } from '@outflow/inbox';
import knexFactory from 'knex';
import config from '../knexfile.ts';

interface OrderPlaced {
  id: string;
  customer: string;
  totalCents: number;
}
type Events = { OrderPlaced: OrderPlaced };

const knex = knexFactory(config);

// Each event is counted once: the inbox row and the counter update commit in the same Knex transaction.
const handlers: Handlers<Events> = {
  OrderPlaced: inboxHandler<OrderPlaced>(async (trx, event) => {
    await trx('customer_orders')
      .insert({ customer: event.payload.customer, orders: 1 })
      .onConflict('customer')
      .merge({ orders: trx.raw('customer_orders.orders + 1') });
  }),
};

const consumer = createInboxConsumer<Events>({
  bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092',
  groupId: 'customer-orders',
  topics: [process.env.ORDERS_TOPIC ?? 'outbox.event.Order'],
  database: inboxDatabase(knex, { dialect: 'postgres' }),
  inbox: createInbox({ dialect: 'postgres' }),
  handlers,
});
await consumer.start();
console.log('customer-orders worker consuming');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await consumer.close();
    await knex.destroy();
    process.exit(0);
  });
}
