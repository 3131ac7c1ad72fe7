import { CONNECTOR_VERSION, type Logger, type SourceConnectorPlugin } from '@outflow/relay-core';
import {
  acceptsDriverProperty,
  postgresConfigDef,
  toPostgresSourceConfig,
  validatePostgresConfig,
} from './config.ts';
import type { PostgresSourceTask } from './postgres-source-task.ts';

/** Debezium's PostgreSQL connector class name (`connector.class`). */
export const POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';

/**
 * Debezium's PostgreSQL connector (pgoutput only): declares its properties, validates them together, and
 * creates the single source task.
 */
export const postgresConnectorPlugin: SourceConnectorPlugin = {
  classNames: [POSTGRES_CONNECTOR_CLASS],
  version: CONNECTOR_VERSION,
  configDef: postgresConfigDef,
  acceptsProperty: acceptsDriverProperty,
  validate: validatePostgresConfig,
  async createTask(values: Readonly<Record<string, unknown>>, logger: Logger): Promise<PostgresSourceTask> {
    const config = toPostgresSourceConfig(values);
    // The PostgreSQL driver loads with the first PostgreSQL connector, not with the relay.
    const { PostgresSourceTask } = await import('./postgres-source-task.ts');
    return new PostgresSourceTask(config, logger);
  },
};
