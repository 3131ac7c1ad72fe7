/**
 * Relay benchmark on PostgreSQL → Kafka (pgoutput logical replication); the phases are in `support.ts`.
 *
 * Usage: npm run bench:postgres -- [--events 100000] [--rate 1000] [--seconds 10]
 * Needs the local infrastructure (`npm run infra -- up`).
 */
import { createOutbox, migrate } from '@outflow/outbox';
import { createPostgresDatabase, postgresPort, uniqueName } from '@outflow/testing';
import pg from 'pg';
import { dropSlots } from '../apps/relay/test/support/postgres-slots.ts';
import { runRelayBench } from './support.ts';

const db = await createPostgresDatabase('bench');
const outbox = createOutbox({ dialect: 'postgres' });
const name = uniqueName('benchpg');
const slot = `${name}_slot`;

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

try {
  const setup = await connect(db.url);
  await migrate(setup, outbox);
  await setup.end();
  await runRelayBench({
    label: 'PostgreSQL pgoutput',
    name,
    connector: {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': '127.0.0.1',
      'database.port': String(postgresPort),
      'database.user': 'outflow',
      'database.password': 'outflow',
      'database.dbname': db.name,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': `${slot}_pub`,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.outbox',
      'snapshot.mode': 'no_data',
    },
    async openWriter() {
      const client = await connect(db.url);
      return {
        async commit(events) {
          await client.query('BEGIN');
          try {
            const rows = await outbox.write(client, events);
            await client.query('COMMIT');
            return rows;
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        },
        end: () => client.end(),
      };
    },
  });
} finally {
  // The slot outlives the database and would keep WAL for ever.
  await dropSlots([slot]);
  await db.drop();
}
