/**
 * Relay benchmark on MariaDB → Kafka (binlog); the phases are in `support.ts`.
 *
 * Usage: npm run bench -- [--events 100000] [--rate 1000] [--seconds 60] [--fast-rate 10000] [--fast-seconds 10]
 *   [--exactly-once enabled|disabled|both] [--against debezium|debezium-default|debezium-poll10] [--rounds 3]
 *   [--relay compiled|source] [--task-isolation thread|none|both] [--memory] [--no-record] [--note text]
 * Needs the local infrastructure (`npm run infra -- up`); `--against debezium` also Java and Maven (the jars
 * are fetched once, as `npm run parity` fetches them).
 */
import { createOutbox, migrate } from '@outflow/outbox';
import { createMariaDbDatabase, host, kafkaBootstrap, mariadbPort } from '@outflow/testing';
import mysql from 'mysql2/promise';
import { mysqlSourceConfig, uniqueServerId } from '../apps/relay/test/support/connectors.ts';
import { DEBEZIUM_RELEASES } from '../parity/connect-worker.ts';
import { runRelayBench, samePerName } from './support.ts';

const db = await createMariaDbDatabase('bench');
const outbox = createOutbox({ dialect: 'mysql' });
try {
  const setup = await mysql.createConnection(db.url);
  await migrate(setup, outbox);
  await setup.end();
  await runRelayBench({
    label: 'MariaDB binlog',
    relayConnector: samePerName(() => mysqlSourceConfig({ database: db.name })),
    debezium: {
      release: DEBEZIUM_RELEASES.mariadb,
      // The relay's connector as Debezium takes it: same table, streaming only, Event Router defaults.
      connector: (name, topic) => ({
        name,
        'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
        'tasks.max': '1',
        'database.hostname': host,
        'database.port': String(mariadbPort),
        'database.user': 'outflow',
        'database.password': 'outflow',
        'database.server.id': uniqueServerId(),
        'topic.prefix': name,
        'database.include.list': db.name,
        'table.include.list': `${db.name}.outbox`,
        'snapshot.mode': 'no_data',
        'schema.history.internal.kafka.bootstrap.servers': kafkaBootstrap,
        'schema.history.internal.kafka.topic': `${name}.history`,
        transforms: 'outbox',
        'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
        'transforms.outbox.route.topic.replacement': topic,
      }),
    },
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
