/**
 * Relay benchmark on MariaDB → Kafka (binlog); the phases are in `support.ts`.
 *
 * Usage: npm run bench -- [--events 100000] [--rate 1000] [--seconds 10] [--exactly-once enabled|disabled]
 * Needs the local infrastructure (`npm run infra -- up`).
 */
import { createOutbox, migrate } from '@outflow/outbox';
import { createMariaDbDatabase, uniqueName } from '@outflow/testing';
import mysql from 'mysql2/promise';
import { mysqlSourceConfig } from '../apps/relay/test/support/connectors.ts';
import { runRelayBench } from './support.ts';

const db = await createMariaDbDatabase('bench');
const outbox = createOutbox({ dialect: 'mysql' });
try {
  const setup = await mysql.createConnection(db.url);
  await migrate(setup, outbox);
  await setup.end();
  await runRelayBench({
    label: 'MariaDB binlog',
    name: uniqueName('bench'),
    connector: mysqlSourceConfig({ database: db.name }),
    async openWriter() {
      const conn = await mysql.createConnection(db.url);
      return {
        async commit(events) {
          await conn.beginTransaction();
          try {
            const rows = await outbox.write(conn, events);
            await conn.commit();
            return rows;
          } catch (error) {
            await conn.rollback();
            throw error;
          }
        },
        end: () => conn.end(),
      };
    },
  });
} finally {
  await db.drop();
}
