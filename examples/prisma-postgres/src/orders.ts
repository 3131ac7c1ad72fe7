import { sqlExecutor } from '@outflow/adapters/prisma';
import type { Prisma } from '../generated/prisma/client.ts';
import { outbox } from './db.ts';

/** Creates the order and its OrderPlaced event in Prisma's interactive transaction `tx`: both, or neither. */
export async function placeOrder(
  tx: Prisma.TransactionClient,
  input: { customer: string; totalCents: number },
) {
  const order = await tx.order.create({ data: input });
  await outbox.write(sqlExecutor(tx), {
    aggregateType: 'Order',
    aggregateId: order.id,
    type: 'OrderPlaced',
    payload: order,
  });
  return order;
}
