// Checks this example against the real PostgreSQL on DATABASE_URL: the order and its outbox row commit
// together, a rollback leaves neither, the inbox row commits and rolls back with the handler's writes, a
// redelivery is a duplicate. Exits 1 on the first failure.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inboxDatabase, inboxHandler, sqlExecutor } from '@outflow/adapters/prisma';
import type { Prisma } from '../generated/prisma/client.ts';
import { connect, createTables, inbox } from './db.ts';
import { placeOrder } from './orders.ts';

const prisma = connect();
await createTables(prisma);
const outboxRows = (id: string) => prisma.outbox.count({ where: { aggregateid: id } });

// @ts-expect-error the PrismaClient is not a transaction: each of its statements runs on its own
sqlExecutor(prisma);

const order = await prisma.$transaction((tx) => placeOrder(tx, { customer: 'Ada', totalCents: 4200 }));
assert.equal(await prisma.order.count({ where: { id: order.id } }), 1);
assert.equal(await outboxRows(order.id), 1);

let rolledBack: string | undefined;
await assert.rejects(
  prisma.$transaction(async (tx) => {
    rolledBack = (await placeOrder(tx, { customer: 'Bob', totalCents: 1 })).id;
    throw new Error('rolled back on purpose');
  }),
  /rolled back on purpose/,
);
assert.equal(await prisma.order.count({ where: { id: rolledBack! } }), 0);
assert.equal(await outboxRows(rolledBack!), 0);

const database = inboxDatabase(prisma, { dialect: 'postgres' });
const handler = inboxHandler<Prisma.TransactionClient, { customer: string }>(async (tx, event) => {
  await tx.order.create({ data: { customer: event.payload.customer, totalCents: 0 } });
  if (event.payload.customer === 'fail') throw new Error('handler failed on purpose');
});
const deliver = (eventId: string, customer: string) =>
  database.transaction(async (tx) => {
    const record = {
      eventId,
      eventType: 'OrderPlaced',
      aggregateType: 'Order',
      aggregateId: null,
      topic: 't',
      partition: 0,
      offset: 1n,
    };
    const outcome = await inbox.record(tx, record);
    if (outcome === 'recorded') {
      await handler(tx, {
        id: eventId,
        type: 'OrderPlaced',
        aggregateType: 'Order',
        aggregateId: null,
        payload: { customer },
        headers: {},
        topic: 't',
        partition: 0,
        offset: 1n,
        timestamp: 0n,
      });
    }
    return outcome;
  });
const eventId = randomUUID();
const customer = `inbox-${eventId}`;
assert.equal(await deliver(eventId, customer), 'recorded');
assert.equal(await deliver(eventId, customer), 'duplicate');
assert.equal(await prisma.order.count({ where: { customer } }), 1);
assert.equal(await prisma.inbox.count({ where: { eventId } }), 1);

const failing = randomUUID();
await assert.rejects(deliver(failing, 'fail'), /handler failed on purpose/);
assert.equal(await prisma.inbox.count({ where: { eventId: failing } }), 0);

await prisma.$disconnect();
console.log(
  'prisma-postgres: order + outbox commit together, rollback leaves neither, inbox dedup in the handler transaction',
);
