/**
 * Relay benchmark on PostgreSQL → Kafka (pgoutput logical replication); the phases are in `support.ts`.
 *
 * Usage: npm run bench:postgres -- [the options of `npm run bench`, bench/relay-mysql.ts]
 * Needs the local infrastructure (`npm run infra -- up`); `--against debezium` runs Debezium's PostgresConnector
 * 3.6.1.Final on Kafka Connect 4.3.0.
 */
import { createOutbox, migrate } from '@outflow/outbox';
import { createPostgresDatabase, host, postgresPort } from '@outflow/testing';
import pg from 'pg';
import { postgresSourceConfig } from '../apps/relay/test/support/connectors.ts';
import { dropSlots } from '../apps/relay/test/support/postgres-slots.ts';
import { DEBEZIUM_RELEASES } from '../parity/connect-worker.ts';
import { runRelayBench } from './support.ts';

const db = await createPostgresDatabase('bench');
const outbox = createOutbox({ dialect: 'postgres' });
// One slot per run: a relay run's slot would otherwise hold its confirmed position for the next run.
const slots: string[] = [];

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
    relayConnector(name) {
      const slot = `${name}_slot`;
      if (!slots.includes(slot)) slots.push(slot);
      return postgresSourceConfig({ database: db.name, slot });
    },
    debezium: {
      release: DEBEZIUM_RELEASES.postgres,
      // The relay's connector as Debezium takes it (the run's own slot and publication), Event Router defaults.
      connector: (name, topic) => {
        const slot = `${name}_slot`;
        if (!slots.includes(slot)) slots.push(slot);
        return {
          name,
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'tasks.max': '1',
          'database.hostname': host,
          'database.port': String(postgresPort),
          'database.user': 'outflow',
          'database.password': 'outflow',
          'database.dbname': db.name,
          'plugin.name': 'pgoutput',
          'slot.name': slot,
          'publication.name': `${slot}_pub`,
          'publication.autocreate.mode': 'filtered',
          'topic.prefix': name,
          'table.include.list': 'public.outbox',
          'snapshot.mode': 'no_data',
          transforms: 'outbox',
          'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
          'transforms.outbox.route.topic.replacement': topic,
        };
      },
    },
    cleanup: (name) => dropSlots([`${name}_slot`]),
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
  await dropSlots(slots);
  await db.drop();
}
