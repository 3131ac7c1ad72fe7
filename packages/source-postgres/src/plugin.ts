import { CONNECTOR_VERSION, type Logger, type SourceConnectorPlugin } from '@outflow/relay-core';
import {
  acceptsDriverProperty,
  postgresConfigDef,
  toPostgresSourceConfig,
  validatePostgresConfig,
} from './config.ts';
import { PostgresSourceTask } from './postgres-source-task.ts';

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
  createTask(values: Readonly<Record<string, unknown>>, logger: Logger): PostgresSourceTask {
    return new PostgresSourceTask(toPostgresSourceConfig(values), logger);
  },
};
