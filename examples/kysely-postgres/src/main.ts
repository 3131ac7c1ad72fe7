import { createServer } from 'node:http';
import { connect } from './db.ts';
import { placeOrder } from './orders.ts';
import { shippingConsumer } from './shipping.ts';

const db = connect();
const consumer = shippingConsumer(db, {
  bootstrapServers: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092',
  topic: process.env.ORDERS_TOPIC ?? 'outbox.event.Order',
});
await consumer.start();

const server = createServer(async (req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  try {
    if (req.method === 'POST' && req.url === '/orders') {
      let text = '';
      for await (const chunk of req) text += chunk;
      const input = JSON.parse(text) as { customer?: unknown; totalCents?: unknown };
      if (typeof input.customer !== 'string' || !Number.isInteger(input.totalCents)) {
        return reply(400, { error: 'customer (string) and totalCents (integer) are required' });
      }
      const order = await db
        .transaction()
        .execute((trx) =>
          placeOrder(trx, { customer: input.customer as string, totalCents: input.totalCents as number }),
        );
      return reply(201, order);
    }
    const shipment = /^\/shipments\/([0-9a-f-]{36})$/.exec(req.url ?? '');
    if (req.method === 'GET' && shipment) {
      const row = await db
        .selectFrom('shipments')
        .selectAll()
        .where('order_id', '=', shipment[1]!)
        .executeTakeFirst();
      return row ? reply(200, row) : reply(404, { error: 'no shipment yet' });
    }
    reply(404, { error: 'not found' });
  } catch (error) {
    reply(500, { error: (error as Error).message });
  }
});
const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => console.log(`orders on http://127.0.0.1:${port}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    server.close();
    await consumer.close();
    await db.destroy();
    process.exit(0);
  });
}
