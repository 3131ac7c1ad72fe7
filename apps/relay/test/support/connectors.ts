/**
 * Connector configurations the relay's end-to-end, delivery and bench runs share: a MySQL/MariaDB or
 * PostgreSQL source on the local servers streaming an `outbox` table (no snapshot), the Outbox Event Router,
 * and worker properties with a connector's own topics. Each test adds what it is about.
 */
import { host, kafkaBootstrap, mariadbPort, postgresPort } from '@outflow/testing';

/** Connector properties, as a connector JSON or `POST /connectors` carries them. */
export type ConnectorConfig = Record<string, string>;

/** A replica id for a MySQL source; random so that parallel test files do not take each other's place. */
export function uniqueServerId(): string {
  return String(10_000 + Math.floor(Math.random() * 1_000_000_000));
}

/**
 * A MySQL/MariaDB source on the local MariaDB capturing `<database>.outbox`, streaming only.
 * `onlyDatabase` also sets `database.include.list`, so the snapshot of other databases is never considered.
 */
export function mysqlSourceConfig(options: { database: string; onlyDatabase?: boolean }): ConnectorConfig {
  return {
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'database.hostname': host,
    'database.port': String(mariadbPort),
    'database.user': 'outflow',
    'database.password': 'outflow',
    'database.server.id': uniqueServerId(),
    ...(options.onlyDatabase === true ? { 'database.include.list': options.database } : {}),
    'table.include.list': `${options.database}.outbox`,
    'snapshot.mode': 'no_data',
  };
}

/**
 * A PostgreSQL source on the local PostgreSQL capturing `public.outbox` of `database`, streaming only,
 * through the pgoutput slot `slot` and a publication `<slot>_pub` made for the captured table. The slot
 * outlives the database: drop it after the test (`dropSlots`).
 */
export function postgresSourceConfig(options: { database: string; slot: string }): ConnectorConfig {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': host,
    'database.port': String(postgresPort),
    'database.user': 'outflow',
    'database.password': 'outflow',
    'database.dbname': options.database,
    'plugin.name': 'pgoutput',
    'slot.name': options.slot,
    'publication.name': `${options.slot}_pub`,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': 'public.outbox',
    'snapshot.mode': 'no_data',
  };
}

/** Keys and values written as text: an outbox payload as the JSON it holds. */
export const stringConverters: ConnectorConfig = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
};

/** The Outbox Event Router (alias `outbox`) routing every event to `topic` (which may use `${routedByValue}`). */
export function eventRouterConfig(topic: string, extra: ConnectorConfig = {}): ConnectorConfig {
  return {
    transforms: 'outbox',
    'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
    'transforms.outbox.route.topic.replacement': topic,
    ...extra,
  };
}

/** Worker properties for a relay whose offsets and configs topics are `<name>.offsets` and `<name>.configs`. */
export function workerConfig(name: string, extra: ConnectorConfig = {}): ConnectorConfig {
  return {
    'bootstrap.servers': kafkaBootstrap,
    // One cluster per relay under test: relays sharing a group.id would share their connectors.
    'group.id': name,
    'offset.storage.topic': `${name}.offsets`,
    'config.storage.topic': `${name}.configs`,
    'status.storage.topic': `${name}.status`,
    ...extra,
  };
}
