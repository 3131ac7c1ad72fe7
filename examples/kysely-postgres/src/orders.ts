import { sqlExecutor } from '@outflow/adapters/kysely';
import type { Transaction } from 'kysely';
import { type Database, outbox } from './db.ts';

/** What OrderPlaced carries. */
export interface OrderPlaced {
  id: string;
  customer: string;
  totalCents: number;
}

/** Inserts the order and its OrderPlaced event in the caller's transaction: both commit, or neither. */
export async function placeOrder(
  trx: Transaction<Database>,
  input: { customer: string; totalCents: number },
): Promise<OrderPlaced> {
  const row = await trx
    .insertInto('orders')
    .values({ customer: input.customer, total_cents: input.totalCents })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  const order = { id: row.id, customer: input.customer, totalCents: input.totalCents };
  await outbox.write(sqlExecutor(trx), {
    aggregateType: 'Order',
    aggregateId: order.id,
    type: 'OrderPlaced',
    payload: order,
  });
  return order;
}
